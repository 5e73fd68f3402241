import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, render, screen, waitFor } from "@testing-library/preact";
import { api } from "../api.js";
import { openPdf } from "./pdfjsSetup.js";
import { MAX_PAGES, PDF_ERROR, PdfPreview } from "./PdfPreview.jsx";
import { conflict, TOKEN } from "../testing.js";

// pdf.js itself does not run in jsdom: a stand-in document with `pages` pages whose
// render resolves when the test says so.
vi.mock("./pdfjsSetup.js", () => ({ openPdf: vi.fn() }));

function fakeDoc(pages, { hold = false } = {}) {
  const renders = [];
  const destroy = vi.fn();
  const doc = {
    numPages: pages,
    getPage: vi.fn(async (n) => ({
      getViewport: ({ scale }) => ({ width: 600 * scale, height: 800 * scale }),
      render: vi.fn(() => {
        let done;
        const promise = hold ? new Promise((r) => (done = r)) : Promise.resolve();
        renders.push({ n, done });
        return { promise };
      }),
    })),
  };
  openPdf.mockReturnValue({ promise: Promise.resolve(doc), destroy });
  return { doc, renders, destroy };
}

beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({});
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  openPdf.mockReset();
});

describe("PdfPreview", () => {
  it("reads the invoice bytes, draws every page and says how many", async () => {
    const bytes = new Uint8Array([37, 80, 68, 70]).buffer;
    const get = vi.spyOn(api, "invoicePdf").mockResolvedValue(bytes);
    const { doc } = fakeDoc(3);
    render(<PdfPreview token={TOKEN} processId="p-1" />);
    const preview = screen.getByTestId("pdf-preview");
    expect(preview.getAttribute("data-state")).toBe("loading");
    expect(screen.getByTestId("pdf-preview-progress").textContent).toContain("Carregando a fatura…");
    await waitFor(() => expect(preview.getAttribute("data-state")).toBe("ready"));
    expect(get).toHaveBeenCalledWith(TOKEN, "p-1");
    expect(openPdf).toHaveBeenCalledWith(bytes);
    expect(doc.getPage).toHaveBeenCalledTimes(3);
    expect(preview.getAttribute("data-pages-rendered")).toBe("3");
    expect(preview.querySelectorAll("canvas")).toHaveLength(3);
    expect([...preview.querySelectorAll("figcaption")].map((c) => c.textContent)).toEqual(["Página 1 de 3", "Página 2 de 3", "Página 3 de 3"]);
    expect(preview.querySelector("canvas").getAttribute("aria-label")).toBe("Fatura, página 1 de 3");
    expect(preview.getAttribute("aria-busy")).toBe("false");
  });

  it("counts pages as they are drawn", async () => {
    vi.spyOn(api, "invoicePdf").mockResolvedValue(new ArrayBuffer(4));
    const { renders } = fakeDoc(2, { hold: true });
    render(<PdfPreview token={TOKEN} processId="p-1" />);
    const preview = screen.getByTestId("pdf-preview");
    await waitFor(() => expect(renders).toHaveLength(1));
    expect(screen.getByTestId("pdf-preview-progress").textContent).toContain("Desenhando a página 1 de 2…");
    renders[0].done();
    await waitFor(() => expect(preview.getAttribute("data-pages-rendered")).toBe("1"));
    expect(preview.getAttribute("data-state")).toBe("loading");
    await waitFor(() => expect(renders).toHaveLength(2));
    renders[1].done();
    await waitFor(() => expect(preview.getAttribute("data-state")).toBe("ready"));
    expect(preview.getAttribute("data-pages-rendered")).toBe("2");
  });

  it("draws at most MAX_PAGES and says so", async () => {
    vi.spyOn(api, "invoicePdf").mockResolvedValue(new ArrayBuffer(4));
    fakeDoc(MAX_PAGES + 5);
    render(<PdfPreview token={TOKEN} processId="p-1" />);
    await waitFor(() => expect(screen.getByTestId("pdf-preview").getAttribute("data-state")).toBe("ready"));
    expect(screen.getByTestId("pdf-preview").getAttribute("data-pages-rendered")).toBe(String(MAX_PAGES));
    expect(screen.getByTestId("pdf-preview-truncated").textContent).toBe(`Mostrando as primeiras ${MAX_PAGES} de ${MAX_PAGES + 5} páginas.`);
  });

  it("shows a pt-BR message when pdf.js cannot read the file", async () => {
    vi.spyOn(api, "invoicePdf").mockResolvedValue(new ArrayBuffer(4));
    openPdf.mockReturnValue({ promise: Promise.reject(new Error("Invalid PDF structure.")), destroy: vi.fn() });
    render(<PdfPreview token={TOKEN} processId="p-1" />);
    const preview = screen.getByTestId("pdf-preview");
    await waitFor(() => expect(preview.getAttribute("data-state")).toBe("error"));
    expect(screen.getByTestId("pdf-preview-error").textContent).toBe(PDF_ERROR);
    expect(preview.getAttribute("data-pages-rendered")).toBe("0");
  });

  it("shows Rust's message when the invoice cannot be read from the store", async () => {
    vi.spyOn(api, "invoicePdf").mockRejectedValue(conflict("Este processo ainda não tem fatura."));
    render(<PdfPreview token={TOKEN} processId="p-1" />);
    expect((await screen.findByTestId("pdf-preview-error")).textContent).toBe("Este processo ainda não tem fatura.");
    expect(openPdf).not.toHaveBeenCalled();
  });

  it("drops the old document when another invoice is shown", async () => {
    vi.spyOn(api, "invoicePdf").mockResolvedValue(new ArrayBuffer(4));
    const first = fakeDoc(1, { hold: true });
    const { rerender } = render(<PdfPreview token={TOKEN} processId="p-1" />);
    await waitFor(() => expect(first.renders).toHaveLength(1));
    fakeDoc(2);
    rerender(<PdfPreview token={TOKEN} processId="p-2" />);
    expect(first.destroy).toHaveBeenCalled();
    const preview = screen.getByTestId("pdf-preview");
    await waitFor(() => expect(preview.getAttribute("data-state")).toBe("ready"));
    first.renders[0].done();
    await new Promise((r) => setTimeout(r, 0));
    expect(preview.getAttribute("data-pages-rendered")).toBe("2");
    expect(preview.querySelectorAll("canvas")).toHaveLength(2);
  });
});
