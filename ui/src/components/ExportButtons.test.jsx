import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { ExportButtons } from "./ExportButtons.jsx";
import { api, CommandError } from "../api.js";
import { TOKEN } from "../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const FILTER = { month: "2026-11", status: "AGUARDANDO_APROVACAO", operator_id: null, search: null, needs_attention: null, page: 0, page_size: 20 };

describe("ExportButtons", () => {
  it("exports the list with its filter and says where the file went", async () => {
    let finish;
    const exportList = vi.spyOn(api, "exportList").mockImplementation(
      () =>
        new Promise((r) => {
          finish = () => r({ path: "/home/ana/Downloads/processos-2026-11.csv", file_name: "processos-2026-11.csv", rows: 12 });
        }),
    );
    render(<ExportButtons token={TOKEN} list="processos" filter={FILTER} />);
    fireEvent.click(screen.getByTestId("btn-export-csv"));
    expect(exportList).toHaveBeenCalledWith(TOKEN, "processos", FILTER, "csv");
    // Progress while Rust writes the file.
    expect(screen.getByTestId("export-status").textContent).toContain("Exportando…");
    expect(screen.getByTestId("btn-export-xlsx").disabled).toBe(true);
    await act(async () => finish());
    const status = screen.getByTestId("export-status");
    expect(status.textContent).toBe("Exportado: processos-2026-11.csv (12 linhas) em /home/ana/Downloads/processos-2026-11.csv");
    expect(status.getAttribute("aria-live")).toBe("polite");
    expect(screen.getByTestId("btn-export-xlsx").disabled).toBe(false);
  });

  it("exports XLSX and says 1 linha in the singular", async () => {
    const exportList = vi.spyOn(api, "exportList").mockResolvedValue({ path: "/tmp/c.xlsx", file_name: "c.xlsx", rows: 1 });
    render(<ExportButtons token={TOKEN} list="clientes" filter={{ search: "pão" }} />);
    fireEvent.click(screen.getByTestId("btn-export-xlsx"));
    await waitFor(() => expect(screen.getByTestId("export-status").textContent).toBe("Exportado: c.xlsx (1 linha) em /tmp/c.xlsx"));
    expect(exportList).toHaveBeenCalledWith(TOKEN, "clientes", { search: "pão" }, "xlsx");
  });

  it("shows Rust's pt-BR message when the export is refused", async () => {
    vi.spyOn(api, "exportList").mockRejectedValue(new CommandError({ code: "IO", message: "Sem permissão para gravar na pasta Downloads." }));
    render(<ExportButtons token={TOKEN} list="usuarios" filter={{}} />);
    fireEvent.click(screen.getByTestId("btn-export-csv"));
    await waitFor(() =>
      expect(screen.getByTestId("export-status").textContent).toBe("Não foi possível exportar: Sem permissão para gravar na pasta Downloads."),
    );
    expect(screen.getByTestId("export-status").className).toContain("export-status--error");
  });
});
