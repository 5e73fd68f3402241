import { render } from "preact";
import App from "./App.jsx";
import { mark } from "./ready.js";
import "./styles.css";

mark("script");
render(<App />, document.getElementById("root"));
