// The theme goes on <html> before anything renders, so the first paint already has the
// person's colours (an inline script in index.html would be blocked by the CSP).
import { applyStoredTheme } from "./components/ThemeToggle.jsx";
import { render } from "preact";
import App from "./App.jsx";
import { mark } from "./ready.js";
import "./styles.css";

applyStoredTheme();
mark("script");
render(<App />, document.getElementById("root"));
