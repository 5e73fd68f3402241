import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import ClientImport, { importSummary } from "./ClientImport.jsx";
import { api, CommandError } from "../api.js";
import { TOKEN } from "../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const CSV = "HASH,RAZÃO SOCIAL,CNPJ,OPERADORA\nexemplo0030,PÃO E TAL,13.878.375/0001-09,vivo\n";

const PREVIEW = {
  import_id: "imp-42",
  file_name: "clientes.csv",
  encoding: "Windows-1252 (CSV do Excel)",
  create: [{ line: 2, hash: "exemplo0030", legal_name: "PÃO E TAL", cnpj: "13.878.375/0001-09", operator_name: "Vivo", changed: [] }],
  update: [
    {
      line: 3,
      hash: "exemplo0027",
      legal_name: "TRANSPORTES ALVORADA",
      cnpj: "76426565000105",
      operator_name: "Azuton",
      changed: ["legal_name", "unit"],
    },
  ],
  unchanged_count: 4,
  duplicate_lines: [5, 9],
  rejected: [
    { line: 12, hash: "exemplo0012", reason: "CNPJ inválido: dígitos verificadores não conferem" },
    { line: 14, hash: "exemplo0014", reason: "operadora desconhecida: TIM" },
  ],
};

function choose(file) {
  fireEvent.change(screen.getByTestId("import-file"), { target: { files: [file] } });
}

describe("ClientImport", () => {
  it("sends the file as base64 and shows what the import would do", async () => {
    const preview = vi.spyOn(api, "previewClientImport").mockResolvedValue(PREVIEW);
    render(<ClientImport token={TOKEN} />);
    choose(new File([CSV], "clientes.csv", { type: "text/csv" }));

    await screen.findByTestId("import-preview");
    const [token, name, content] = preview.mock.calls[0];
    expect([token, name]).toEqual([TOKEN, "clientes.csv"]);
    expect(Buffer.from(content, "base64").toString("utf8")).toBe(CSV);

    expect(screen.getByTestId("import-encoding").textContent).toBe("Codificação do arquivo: Windows-1252 (CSV do Excel)");
    expect(screen.getByText("A criar (1)")).toBeTruthy();
    expect(screen.getByText("A atualizar (1)")).toBeTruthy();
    expect(screen.getByText("Rejeitadas (2)")).toBeTruthy();
    expect(screen.getByTestId("import-create").textContent).toContain("PÃO E TAL");
    expect(screen.getByTestId("import-update").textContent).toContain("Razão social, Unidade");
    const rejected = screen.getAllByTestId("rejected-row");
    expect(rejected.map((r) => r.textContent)).toEqual([
      "Linha 12exemplo0012CNPJ inválido: dígitos verificadores não conferem",
      "Linha 14exemplo0014operadora desconhecida: TIM",
    ]);
    expect(screen.getByTestId("import-duplicates").textContent).toBe("Ignoradas (duplicadas): linhas 5, 9");
    expect(screen.getByTestId("import-unchanged").textContent).toBe("Sem alteração: 4");
    expect(screen.getByTestId("import-commit").textContent).toBe("Importar 2 clientes");
  });

  it("sends an Excel \"Texto Unicode\" file byte for byte and says how it was read", async () => {
    const preview = vi
      .spyOn(api, "previewClientImport")
      .mockResolvedValue({ ...PREVIEW, file_name: "clientes.txt", encoding: "UTF-16 (Texto Unicode do Excel)" });
    render(<ClientImport token={TOKEN} />);
    expect(screen.getByTestId("import-file").getAttribute("accept")).toContain(".txt");
    const text = CSV.replaceAll(",", "\t");
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...text].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8])]);
    choose(new File([utf16], "clientes.txt", { type: "text/plain" }));

    expect((await screen.findByTestId("import-encoding")).textContent).toBe(
      "Codificação do arquivo: UTF-16 (Texto Unicode do Excel)",
    );
    const content = Buffer.from(preview.mock.calls[0][2], "base64");
    expect([...content]).toEqual([...utf16]);
    expect(content.subarray(2).toString("utf16le")).toBe(text);
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Conferência de clientes.txt");
  });

  it("commits the previewed import by its id and summarises the result", async () => {
    vi.spyOn(api, "previewClientImport").mockResolvedValue(PREVIEW);
    const commit = vi
      .spyOn(api, "commitClientImport")
      .mockResolvedValue({ created: 30, updated: 0, unchanged: 0, skipped_duplicates: 2, rejected: 10 });
    render(<ClientImport token={TOKEN} />);
    choose(new File([CSV], "clientes.csv"));
    fireEvent.click(await screen.findByTestId("import-commit"));

    expect((await screen.findByTestId("banner-info")).textContent).toBe(
      "Importação concluída: 30 criados, 0 atualizados, 2 duplicadas ignoradas, 10 rejeitadas.",
    );
    expect(commit).toHaveBeenCalledWith(TOKEN, "imp-42");
    expect(screen.queryByTestId("import-preview")).toBeNull();
  });

  it("cannot import when nothing would be created or updated, and cancel discards the preview", async () => {
    vi.spyOn(api, "previewClientImport").mockResolvedValue({ ...PREVIEW, create: [], update: [] });
    const commit = vi.spyOn(api, "commitClientImport");
    render(<ClientImport token={TOKEN} />);
    choose(new File([CSV], "clientes.csv"));
    expect((await screen.findByTestId("import-commit")).disabled).toBe(true);
    expect(screen.getByTestId("import-create").textContent).toContain("Nenhuma.");
    fireEvent.click(screen.getByTestId("import-cancel"));
    await waitFor(() => expect(screen.queryByTestId("import-preview")).toBeNull());
    expect(commit).not.toHaveBeenCalled();
  });

  it("shows why a file was refused as a whole", async () => {
    vi.spyOn(api, "previewClientImport").mockRejectedValue(
      new CommandError({ code: "VALIDATION", message: "A planilha não tem a coluna HASH." }),
    );
    render(<ClientImport token={TOKEN} />);
    choose(new File(["a,b\n"], "outra.csv"));
    expect((await screen.findByTestId("banner-error")).textContent).toBe("A planilha não tem a coluna HASH.");
  });

  it("words the summary in the singular and mentions unchanged rows", () => {
    expect(importSummary({ created: 1, updated: 1, unchanged: 3, skipped_duplicates: 1, rejected: 1 })).toBe(
      "Importação concluída: 1 criado, 1 atualizado, 3 sem alteração, 1 duplicada ignorada, 1 rejeitada.",
    );
  });
});
