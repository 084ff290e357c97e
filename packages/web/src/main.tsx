import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.js";
import { installTheme } from "./settings/theme.js";
import "./styles.css";

// Before the first render, so the first paint already has the chosen theme.
installTheme();

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
