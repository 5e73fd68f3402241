import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { StorageSettings, storageInput, validateStorage } from "./StorageSettings.jsx";
import { api } from "../../api.js";
import { TOKEN } from "../../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const DEFAULT = "/home/ana/.local/share/br.com.brmsolutions.rpadesk/faturas";
const NO_S3 = { endpoint: "", region: "us-east-1", bucket: "", path_style: true, access_key_set: false, secret_key_set: false };
const FOLDER = { kind: "pasta", folder: DEFAULT, default_folder: DEFAULT, s3: NO_S3 };
const S3 = {
  kind: "s3",
  folder: DEFAULT,
  default_folder: DEFAULT,
  s3: { endpoint: "https://s3.beg.com.br", region: "us-east-1", bucket: "faturas", path_style: true, access_key_set: true, secret_key_set: true },
};
const form = (over) => ({ kind: "s3", folder: "", endpoint: "https://s3.beg.com.br", region: "", bucket: "faturas", path_style: true, access_key: "", secret_key: "", ...over });

describe("validateStorage", () => {
  it("wants an absolute folder, or a complete S3 with both keys the first time", () => {
    expect(validateStorage(form({ kind: "pasta", folder: "" }), FOLDER)).toEqual({});
    expect(validateStorage(form({ kind: "pasta", folder: "C:\\Faturas" }), FOLDER)).toEqual({});
    expect(validateStorage(form({ kind: "pasta", folder: "faturas" }), FOLDER).folder).toMatch(/caminho completo/);
    expect(Object.keys(validateStorage(form({ access_key: "AK" }), FOLDER))).toEqual(["secret_key"]);
    expect(validateStorage(form({}), S3)).toEqual({});
    const bad = validateStorage(form({ endpoint: "s3.beg", bucket: "X" }), S3);
    expect(Object.keys(bad)).toEqual(["endpoint", "bucket"]);
  });

  it("sends blank keys as null and the default folder as blank", () => {
    expect(storageInput(form({ access_key: " AK ", region: " " }), S3)).toEqual({
      kind: "s3",
      folder: "",
      endpoint: "https://s3.beg.com.br",
      region: "",
      bucket: "faturas",
      path_style: true,
      access_key: "AK",
      secret_key: null,
    });
    expect(storageInput(form({ kind: "pasta", folder: DEFAULT }), FOLDER).folder).toBe("");
  });
});

describe("StorageSettings", () => {
  it("shows S3 with empty key fields and 'definida'", async () => {
    vi.spyOn(api, "getStorageSettings").mockResolvedValue(S3);
    render(<StorageSettings token={TOKEN} />);
    const access = await screen.findByTestId("s3-access-key");
    expect(access.value).toBe("");
    expect(access.type).toBe("password");
    expect(screen.getByTestId("s3-secret-key").value).toBe("");
    expect(screen.getByTestId("s3-keys-state").textContent).toBe(
      "Chave de acesso: definida (guardada no chaveiro do sistema) · Chave secreta: definida (guardada no chaveiro do sistema)",
    );
    expect(screen.getByTestId("s3-bucket").value).toBe("faturas");
  });

  it("switches to S3 and saves exactly what Rust takes", async () => {
    vi.spyOn(api, "getStorageSettings").mockResolvedValue(FOLDER);
    const save = vi.spyOn(api, "saveStorageSettings").mockResolvedValue({ settings: S3, changed: true, message: "As alterações valem a partir da próxima abertura do aplicativo." });
    render(<StorageSettings token={TOKEN} />);
    expect((await screen.findByTestId("storage-folder")).value).toBe(DEFAULT);
    fireEvent.click(screen.getByTestId("storage-kind-s3"));
    fireEvent.input(screen.getByTestId("s3-endpoint"), { target: { value: "https://s3.beg.com.br" } });
    fireEvent.input(screen.getByTestId("s3-bucket"), { target: { value: "faturas" } });
    fireEvent.input(screen.getByTestId("s3-access-key"), { target: { value: "AK" } });
    fireEvent.click(screen.getByTestId("storage-save"));
    expect((await screen.findByTestId("error-secret_key")).textContent).toBe("Informe a chave secreta.");
    expect(save).not.toHaveBeenCalled();
    fireEvent.input(screen.getByTestId("s3-secret-key"), { target: { value: "SK" } });
    fireEvent.click(screen.getByTestId("storage-save"));
    await waitFor(() => expect(screen.getByTestId("storage-restart")).toBeTruthy());
    expect(save).toHaveBeenCalledWith(TOKEN, {
      kind: "s3",
      folder: "",
      endpoint: "https://s3.beg.com.br",
      region: "us-east-1",
      bucket: "faturas",
      path_style: true,
      access_key: "AK",
      secret_key: "SK",
    });
    expect(screen.getByTestId("s3-access-key").value).toBe("");
  });

  it("on the shared database lists each robot machine and whether it reaches the folder", async () => {
    const machines = [
      { name: "robo-a", host: "robo-a.escritorio", ok: true, message: "alcança esta pasta." },
      { name: "robo-b", host: "robo-b.escritorio", ok: false, message: "gravou o marcador, mas este computador não o encontra nesta pasta" },
    ];
    vi.spyOn(api, "getStorageSettings").mockResolvedValue({ ...FOLDER, machines });
    render(<StorageSettings token={TOKEN} />);
    const items = await screen.findAllByTestId("storage-machine");
    expect(items.map((i) => i.dataset.ok)).toEqual(["true", "false"]);
    expect(items[1].textContent).toContain("robo-b");
    expect(items[1].textContent).toContain("não o encontra");
    expect(screen.getByTestId("storage-machines").textContent).toContain("O S3 é o recomendado");
  });

  it("tests the folder and shows the answer", async () => {
    vi.spyOn(api, "getStorageSettings").mockResolvedValue(FOLDER);
    const test = vi.spyOn(api, "testStorage").mockResolvedValue({ ok: true, message: "Armazenamento funcionando." });
    render(<StorageSettings token={TOKEN} />);
    fireEvent.input(await screen.findByTestId("storage-folder"), { target: { value: "/srv/faturas" } });
    fireEvent.click(screen.getByTestId("storage-test"));
    expect((await screen.findByTestId("storage-result")).dataset.ok).toBe("true");
    expect(test.mock.calls[0][1]).toMatchObject({ kind: "pasta", folder: "/srv/faturas" });
  });
});
