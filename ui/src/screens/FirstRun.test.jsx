import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import FirstRun from "./FirstRun.jsx";
import { CommandError } from "../api.js";

afterEach(cleanup);

function fill(label, value) {
  fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

describe("FirstRun", () => {
  it("shows the field errors Rust returned and stays on the form", async () => {
    let created = null;
    const createAdmin = async () => {
      throw new CommandError({
        code: "VALIDATION",
        message: "A senha deve ter pelo menos 12 caracteres.",
        fields: [{ field: "password", message: "A senha deve ter pelo menos 12 caracteres." }],
      });
    };
    render(<FirstRun createAdmin={createAdmin} onCreated={(e) => (created = e)} />);
    fill("Senha (mínimo 12 caracteres)", "curta");
    fireEvent.click(screen.getByTestId("create-admin"));
    expect(await screen.findByTestId("error-password")).toHaveProperty(
      "textContent",
      "A senha deve ter pelo menos 12 caracteres.",
    );
    expect(screen.getByRole("alert").textContent).toContain("12 caracteres");
    expect(created).toBeNull();
  });

  it("sends the form and reports the normalised e-mail once created", async () => {
    const sent = [];
    let created = null;
    render(
      <FirstRun
        createAdmin={async (input) => {
          sent.push(input);
          return { id: "1" };
        }}
        onCreated={(e) => (created = e)}
      />,
    );
    fill("Nome completo", "Ana");
    fill("E-mail", " Ana@BEG.com.br ");
    fill("Senha (mínimo 12 caracteres)", "senha-bem-comprida");
    fill("Confirmação da senha", "senha-bem-comprida");
    fireEvent.click(screen.getByTestId("create-admin"));
    await screen.findByText("Criar administrador", { selector: "button" });
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toHaveLength(1);
    expect(sent[0].password_confirmation).toBe("senha-bem-comprida");
    expect(created).toBe("ana@beg.com.br");
  });
});
