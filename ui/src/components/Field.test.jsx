import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/preact";
import { Field, Select, TextArea } from "./Field.jsx";

afterEach(cleanup);

const noop = () => {};

describe("autoFocus", () => {
  it("focuses the field when it is put on screen, without the HTML autofocus attribute", () => {
    render(
      <form>
        <Field label="Nome" name="nome" value="" onChange={noop} />
        <Field label="E-mail" name="email" value="" onChange={noop} autoFocus />
      </form>,
    );
    const email = screen.getByLabelText("E-mail");
    expect(document.activeElement).toBe(email);
    // WebKit applies the attribute at a later rendering update, which could move the
    // focus away from a field the person had already started typing in.
    expect(email.hasAttribute("autofocus")).toBe(false);
  });

  it("focuses once: typing elsewhere afterwards keeps the focus there", async () => {
    const { rerender } = render(<Field label="Nome" name="nome" value="" onChange={noop} autoFocus />);
    const other = document.body.appendChild(document.createElement("input"));
    other.focus();
    rerender(<Field label="Nome" name="nome" value="Ana" onChange={noop} autoFocus />);
    expect(document.activeElement).toBe(other);
    other.remove();
  });

  it("works for a select and a text area too", () => {
    render(
      <Select label="Motivo" name="motivo" value="" onChange={noop} autoFocus>
        <option value="">Escolha</option>
      </Select>,
    );
    expect(document.activeElement).toBe(screen.getByLabelText("Motivo"));
    cleanup();
    render(<TextArea label="Texto" name="texto" value="" onChange={noop} autoFocus />);
    expect(document.activeElement).toBe(screen.getByLabelText("Texto"));
  });
});
