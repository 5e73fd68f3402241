// pdf.js, loaded only when an invoice is first shown (PdfPreview imports this module
// lazily, so the first screen's chunk stays small). The worker is bundled by Vite and
// served from the app itself (CSP worker-src 'self'); the standard fonts (Helvetica,
// Times, Courier... that PDFs use without embedding) are bundled too, so text renders
// the same on every desktop instead of depending on the fonts the system happens to have.
import * as pdfjs from "pdfjs-dist";
import workerUrl from "pdfjs-dist/build/pdf.worker.min.mjs?url";
import foxitDingbats from "pdfjs-dist/standard_fonts/FoxitDingbats.pfb?url";
import foxitFixed from "pdfjs-dist/standard_fonts/FoxitFixed.pfb?url";
import foxitFixedBold from "pdfjs-dist/standard_fonts/FoxitFixedBold.pfb?url";
import foxitFixedBoldItalic from "pdfjs-dist/standard_fonts/FoxitFixedBoldItalic.pfb?url";
import foxitFixedItalic from "pdfjs-dist/standard_fonts/FoxitFixedItalic.pfb?url";
import foxitSerif from "pdfjs-dist/standard_fonts/FoxitSerif.pfb?url";
import foxitSerifBold from "pdfjs-dist/standard_fonts/FoxitSerifBold.pfb?url";
import foxitSerifBoldItalic from "pdfjs-dist/standard_fonts/FoxitSerifBoldItalic.pfb?url";
import foxitSerifItalic from "pdfjs-dist/standard_fonts/FoxitSerifItalic.pfb?url";
import foxitSymbol from "pdfjs-dist/standard_fonts/FoxitSymbol.pfb?url";
import liberationSans from "pdfjs-dist/standard_fonts/LiberationSans-Regular.ttf?url";
import liberationSansBold from "pdfjs-dist/standard_fonts/LiberationSans-Bold.ttf?url";
import liberationSansBoldItalic from "pdfjs-dist/standard_fonts/LiberationSans-BoldItalic.ttf?url";
import liberationSansItalic from "pdfjs-dist/standard_fonts/LiberationSans-Italic.ttf?url";

pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;

const FONTS = {
  "FoxitDingbats.pfb": foxitDingbats,
  "FoxitFixed.pfb": foxitFixed,
  "FoxitFixedBold.pfb": foxitFixedBold,
  "FoxitFixedBoldItalic.pfb": foxitFixedBoldItalic,
  "FoxitFixedItalic.pfb": foxitFixedItalic,
  "FoxitSerif.pfb": foxitSerif,
  "FoxitSerifBold.pfb": foxitSerifBold,
  "FoxitSerifBoldItalic.pfb": foxitSerifBoldItalic,
  "FoxitSerifItalic.pfb": foxitSerifItalic,
  "FoxitSymbol.pfb": foxitSymbol,
  "LiberationSans-Regular.ttf": liberationSans,
  "LiberationSans-Bold.ttf": liberationSansBold,
  "LiberationSans-BoldItalic.ttf": liberationSansBoldItalic,
  "LiberationSans-Italic.ttf": liberationSansItalic,
};

// pdf.js asks the main thread for a standard font by file name; the hashed URL Vite
// gave that file is read from the app's own origin.
class BundledFontData {
  async fetch({ filename }) {
    const url = FONTS[filename];
    if (!url) throw new Error(`Fonte padrão não incluída: ${filename}`);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`Fonte padrão indisponível: ${filename}`);
    return new Uint8Array(await response.arrayBuffer());
  }
}

// Opens the PDF in `bytes` (an ArrayBuffer or a Uint8Array; pdf.js takes ownership of
// it). Returns the loading task: `.promise` is the document, `.destroy()` stops it.
export function openPdf(bytes) {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return pdfjs.getDocument({
    data,
    isEvalSupported: false, // the CSP forbids eval; fonts are drawn without it
    useSystemFonts: false,
    StandardFontDataFactory: BundledFontData,
    enableXfa: false,
  });
}
