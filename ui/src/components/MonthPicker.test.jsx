import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { useState } from "preact/hooks";
import { MonthPicker, monthLong, parseMonth, shiftMonth } from "./MonthPicker.jsx";
import { monthOf } from "../format.js";

// "Today" is set here, not read from the machine: 15 November 2026, noon in Brasília.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-11-15T15:00:00Z"));
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

// A screen holding the value, as the filters do, with every change recorded.
function Holder({ initial = "", onChange = () => {}, ...props }) {
  const [value, setValue] = useState(initial);
  return (
    <MonthPicker
      id="m"
      name="the_month"
      label="Mês de referência"
      testId="m"
      value={value}
      onChange={(v) => {
        onChange(v);
        setValue(v);
      }}
      {...props}
    />
  );
}

const value = () => screen.getByTestId("m").dataset.value;

describe("month helpers", () => {
  it("parses, shifts across years and names months in pt-BR", () => {
    expect(parseMonth("2026-11")).toEqual([2026, 11]);
    expect(parseMonth("2026-13")).toBeNull();
    expect(parseMonth("")).toBeNull();
    expect(shiftMonth("2026-12", 1)).toBe("2027-01");
    expect(shiftMonth("2027-01", -1)).toBe("2026-12");
    expect(shiftMonth("2026-11", -23)).toBe("2024-12");
    expect(monthLong("2026-03")).toBe("março de 2026");
    expect(monthLong("")).toBe("");
  });
});

describe("MonthPicker", () => {
  it("shows the month in pt-BR, named controls, and the value under its name", () => {
    render(<Holder initial="2026-11" />);
    const group = screen.getByRole("group", { name: "Mês de referência" });
    expect(group.dataset.value).toBe("2026-11");
    expect(screen.getByTestId("m-month").value).toBe("11");
    expect(screen.getByTestId("m-month").selectedOptions[0].textContent).toBe("novembro");
    expect(screen.getByTestId("m-year").value).toBe("2026");
    expect(screen.getByTestId("m-text").textContent).toBe("novembro de 2026");
    expect(document.querySelector('input[name="the_month"]').value).toBe("2026-11");
    expect(screen.getByRole("combobox", { name: "Mês" })).toBe(screen.getByTestId("m-month"));
    expect(screen.getByRole("combobox", { name: "Ano" })).toBe(screen.getByTestId("m-year"));
    expect(screen.getByRole("button", { name: "Mês anterior" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Próximo mês" })).toBeTruthy();
    // Nothing here is an <input type="month">: Safari would draw a text box.
    expect(document.querySelector('input[type="month"]')).toBeNull();
  });

  it("chooses a month and a year with the selects", () => {
    const onChange = vi.fn();
    render(<Holder initial="2026-11" onChange={onChange} />);
    fireEvent.change(screen.getByTestId("m-month"), { target: { value: "03" } });
    expect(onChange).toHaveBeenLastCalledWith("2026-03");
    fireEvent.change(screen.getByTestId("m-year"), { target: { value: "2025" } });
    expect(onChange).toHaveBeenLastCalledWith("2025-03");
    expect(value()).toBe("2025-03");
    expect(screen.getByTestId("m-text").textContent).toBe("março de 2025");
  });

  it("steps to the previous and next month across a year boundary", () => {
    const onChange = vi.fn();
    render(<Holder initial="2026-12" onChange={onChange} />);
    fireEvent.click(screen.getByTestId("m-next"));
    expect(onChange).toHaveBeenLastCalledWith("2027-01");
    expect(screen.getByTestId("m-month").value).toBe("01");
    expect(screen.getByTestId("m-year").value).toBe("2027");
    fireEvent.click(screen.getByTestId("m-prev"));
    fireEvent.click(screen.getByTestId("m-prev"));
    expect(onChange).toHaveBeenLastCalledWith("2026-11");
    expect(value()).toBe("2026-11");
  });

  it("offers the years around the shown one, whatever year it is", () => {
    render(<Holder initial="2001-05" />);
    const years = Array.from(screen.getByTestId("m-year").options).map((o) => o.value);
    expect(years).toContain("2001");
    expect(monthOf()).toBe("2026-11"); // the clock set above
    expect(years).toContain("2026");
  });

  it("may be empty when the filter allows it: all months, and back to a month", () => {
    const onChange = vi.fn();
    render(<Holder initial="2026-11" allowEmpty onChange={onChange} />);
    const month = screen.getByTestId("m-month");
    expect(month.options[0].value).toBe("");
    expect(month.options[0].textContent).toBe("Todos os meses");
    fireEvent.change(month, { target: { value: "" } });
    expect(onChange).toHaveBeenLastCalledWith("");
    expect(value()).toBe("");
    expect(screen.getByTestId("m-year").value).toBe("");
    expect(screen.getByTestId("m-text").textContent).toBe("Todos os meses");
    // From no month: a month of this year, or the buttons from this month.
    fireEvent.change(month, { target: { value: "02" } });
    expect(onChange).toHaveBeenLastCalledWith("2026-02");
    fireEvent.change(month, { target: { value: "" } });
    fireEvent.click(screen.getByTestId("m-next"));
    expect(onChange).toHaveBeenLastCalledWith("2026-12");
  });

  it("has no empty choice when the value is required", () => {
    render(<Holder initial="2026-11" />);
    expect(Array.from(screen.getByTestId("m-month").options).map((o) => o.value)).not.toContain("");
    expect(Array.from(screen.getByTestId("m-year").options).map((o) => o.value)).not.toContain("");
  });

  it("moves with PageUp / PageDown from any of its controls; the arrows stay the selects' own", () => {
    const onChange = vi.fn();
    render(<Holder initial="2027-01" onChange={onChange} />);
    const year = screen.getByTestId("m-year");
    year.focus();
    expect(fireEvent.keyDown(year, { key: "PageUp" })).toBe(false); // default prevented
    expect(onChange).toHaveBeenLastCalledWith("2026-12");
    fireEvent.keyDown(screen.getByTestId("m-month"), { key: "PageDown" });
    fireEvent.keyDown(screen.getByTestId("m-next"), { key: "PageDown" });
    expect(onChange).toHaveBeenLastCalledWith("2027-02");
    const calls = onChange.mock.calls.length;
    expect(fireEvent.keyDown(year, { key: "ArrowDown" })).toBe(true);
    fireEvent.keyDown(year, { key: "PageUp", ctrlKey: true });
    expect(onChange.mock.calls.length).toBe(calls);
    // Every control is a native one the Tab key reaches.
    const controls = screen.getByTestId("m").querySelectorAll("button, select");
    expect(Array.from(controls).map((c) => c.tabIndex)).toEqual([0, 0, 0, 0]);
  });

  it("does nothing while disabled", () => {
    const onChange = vi.fn();
    render(<Holder initial="2026-11" disabled onChange={onChange} />);
    for (const id of ["m-prev", "m-month", "m-year", "m-next"]) expect(screen.getByTestId(id).disabled).toBe(true);
    fireEvent.keyDown(screen.getByTestId("m"), { key: "PageDown" });
    expect(onChange).not.toHaveBeenCalled();
  });

  it("draws its label when asked, naming the group by it", () => {
    render(<Holder initial="2026-11" showLabel />);
    expect(screen.getByText("Mês de referência").id).toBe("m-label");
    expect(screen.getByRole("group", { name: "Mês de referência" }).getAttribute("aria-labelledby")).toBe("m-label");
  });
});
