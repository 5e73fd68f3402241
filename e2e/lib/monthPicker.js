// The window's month choosers (ui/src/components/MonthPicker.jsx): "‹ [mês] [ano] ›",
// a group with the test id (its value, "YYYY-MM" or "", in data-value) and controls
// `${testId}-prev`, `-month`, `-year` and `-next`. No <input type="month"> (a text box
// in Safari/WKWebView), so the files choose a month as a person would, in every engine.
import { By } from "selenium-webdriver";

export async function monthValue(app, testId) {
  return (await (await app.waitFor(testId)).getAttribute("data-value")) ?? "";
}

// Picks `month` ("YYYY-MM"): the year, then the month, from the selects; a year the
// select does not list (years away) is reached with the ‹ › buttons.
export async function chooseMonth(app, testId, month) {
  const year = month.slice(0, 4);
  // A picker is disabled while its screen loads (the Painel's, until the first answer).
  await app.waitUntil(async () => (await app.waitFor(`${testId}-year`)).isEnabled(), `${testId} habilitado`);
  const yearSelect = await app.waitFor(`${testId}-year`);
  if ((await yearSelect.findElements(By.css(`option[value="${year}"]`))).length > 0) {
    if ((await monthValue(app, testId)).slice(0, 4) !== year) await app.choose(`${testId}-year`, year);
    await app.choose(`${testId}-month`, month.slice(5));
  } else {
    for (let guard = 0; guard < 240; guard++) {
      const now = await monthValue(app, testId);
      if (now === month) break;
      await app.click(now && now > month ? `${testId}-prev` : `${testId}-next`);
      await app.waitUntil(async () => (await monthValue(app, testId)) !== now, `${testId} andar um mês`);
    }
  }
  await app.waitUntil(async () => (await monthValue(app, testId)) === month, `${month} em ${testId}`);
}
