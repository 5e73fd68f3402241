// File bytes for a command argument. A spreadsheet may be several MB: the bytes are
// encoded in slices (a multiple of 3, so every slice but the last ends without padding
// and the pieces join into one valid string) instead of one giant String.fromCharCode.
const SLICE = 3 * 8192;

export function bytesToBase64(bytes) {
  const parts = [];
  for (let i = 0; i < bytes.length; i += SLICE) {
    const slice = bytes.subarray(i, i + SLICE);
    let binary = "";
    for (let j = 0; j < slice.length; j += 1) binary += String.fromCharCode(slice[j]);
    parts.push(btoa(binary));
  }
  return parts.join("");
}

// The bytes of a chosen file; FileReader where Blob.arrayBuffer is missing.
export function readFileBytes(file) {
  if (typeof file.arrayBuffer === "function") return file.arrayBuffer().then((b) => new Uint8Array(b));
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(file);
  });
}
