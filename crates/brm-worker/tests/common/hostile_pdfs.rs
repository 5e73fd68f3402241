//! PDFs crafted against the invoice reader (issue 18), small on disk.

use lopdf::{dictionary, Object, Stream};
use std::io::Write;

fn compress(data: impl Iterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    for chunk in data {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap()
}

/// A one-page PDF whose page content is `compressed` (FlateDecode).
pub fn pdf_with_content(compressed: Vec<u8>) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let content_id = doc.add_object(Stream::new(
        dictionary! { "Filter" => "FlateDecode" },
        compressed,
    ));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// 200 MB of page content in about 2 MB.
pub fn bomb() -> Vec<u8> {
    pdf_with_content(compress((0..200).map(|_| vec![b' '; 1024 * 1024])))
}

/// `mb` MB of text operators (within the decompression budget): the parser keeps about
/// 60 times that in memory, and takes its time.
pub fn busy(mb: usize) -> Vec<u8> {
    let line = b"BT /F1 12 Tf 72 712 Td (R$ 1,00) Tj ET\n".repeat(1024 * 16);
    let n = mb * 1024 * 1024 / line.len();
    pdf_with_content(compress((0..n).map(|_| line.clone())))
}
