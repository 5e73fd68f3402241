// The invoice PDF drawn inline with pdf.js: every page to a canvas, one after the other.
// pdf.js is imported only when the first preview opens (its own chunk). The element
// says what it is doing for people (a progress line, "Página X de N", a pt-BR error) and
// for the end-to-end test (data-state, data-pages-rendered).
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";

// The most pages drawn; an invoice longer than this says so instead of freezing the window.
export const MAX_PAGES = 30;

export const PDF_ERROR = "Não foi possível ler o PDF desta fatura. Baixe-a de novo ou envie o arquivo manualmente.";

// Loaded once; a failed load (a chunk that could not be fetched) is tried again next time.
let setup = null;
export function loadPdfjs() {
  if (!setup) {
    setup = import("./pdfjsSetup.js");
    setup.catch(() => {
      setup = null;
    });
  }
  return setup;
}

// Draws `page` into a new canvas `width` CSS pixels wide (sharp on high-DPI screens).
async function drawPage(page, width, label) {
  const base = page.getViewport({ scale: 1 });
  const scale = width / base.width;
  const ratio = Math.min(globalThis.devicePixelRatio || 1, 3);
  const viewport = page.getViewport({ scale: scale * ratio });
  const canvas = document.createElement("canvas");
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.className = "pdf-page";
  canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  const canvasContext = canvas.getContext("2d");
  await page.render({ canvas, canvasContext, viewport }).promise;
  return canvas;
}

export function PdfPreview({ token, processId, revision = "", width = 560, testId = "pdf-preview", label = "Fatura" }) {
  const [state, setState] = useState("loading"); // loading | ready | error
  const [pages, setPages] = useState({ total: 0, rendered: 0 });
  const [error, setError] = useState(null);
  const holder = useRef(null);

  useEffect(() => {
    let live = true;
    let task = null;
    const box = holder.current;
    box?.replaceChildren();
    setState("loading");
    setPages({ total: 0, rendered: 0 });
    setError(null);

    (async () => {
      try {
        const [bytes, { openPdf }] = await Promise.all([api.invoicePdf(token, processId), loadPdfjs()]);
        if (!live) return;
        task = openPdf(bytes);
        const doc = await task.promise;
        if (!live) return;
        const total = Math.min(doc.numPages, MAX_PAGES);
        setPages({ total: doc.numPages, rendered: 0 });
        for (let n = 1; n <= total; n += 1) {
          const page = await doc.getPage(n);
          if (!live) return;
          const canvas = await drawPage(page, width, `${label}, página ${n} de ${doc.numPages}`);
          if (!live) return;
          const figure = document.createElement("figure");
          figure.className = "pdf-page__frame";
          const caption = document.createElement("figcaption");
          caption.className = "pdf-page__caption";
          caption.textContent = `Página ${n} de ${doc.numPages}`;
          figure.append(canvas, caption);
          box?.append(figure);
          setPages({ total: doc.numPages, rendered: n });
        }
        setState("ready");
      } catch (err) {
        if (!live) return;
        // A refused command (no invoice, no permission) says why in pt-BR; anything pdf.js
        // throws is in English and technical, so the person reads the fixed message.
        setError(err?.code && err.message ? err.message : PDF_ERROR);
        setState("error");
      }
    })();

    return () => {
      live = false;
      task?.destroy?.();
    };
  }, [token, processId, revision, width, label]);

  return (
    <div
      className={`pdf-preview pdf-preview--${state}`}
      data-testid={testId}
      data-state={state}
      data-pages-rendered={String(pages.rendered)}
      aria-busy={state === "loading" ? "true" : "false"}
    >
      {state === "loading" && (
        <p className="progress" role="status" data-testid={`${testId}-progress`}>
          <progress aria-label="Carregando a fatura" />{" "}
          {pages.total > 0 ? `Desenhando a página ${pages.rendered + 1} de ${pages.total}…` : "Carregando a fatura…"}
        </p>
      )}
      {state === "error" && (
        <p className="field__error" role="alert" data-testid={`${testId}-error`}>
          {error}
        </p>
      )}
      {state === "ready" && pages.total > MAX_PAGES && (
        <p className="muted" data-testid={`${testId}-truncated`}>
          Mostrando as primeiras {MAX_PAGES} de {pages.total} páginas.
        </p>
      )}
      <div className="pdf-pages" ref={holder} />
    </div>
  );
}
