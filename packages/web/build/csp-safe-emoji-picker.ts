import type { Plugin } from "vite";

/**
 * emoji-picker-element styles itself with a `<style>` element in its shadow root and sets
 * `style` attributes from its templates; the page's Content-Security-Policy (style-src 'self',
 * no 'unsafe-inline') blocks both, and the picker would show unstyled. This rewrites the two
 * places at build time into CSSOM calls, which the policy allows: a constructed stylesheet
 * adopted by the shadow root, and `element.style.cssText`. If a new version of the library no
 * longer has either piece of code, the build fails here rather than the picker in the browser.
 */
const REWRITES: [from: string, to: string][] = [
  [
    "const style = document.createElement('style');\n    style.textContent = baseStyles + EXTRA_STYLES;\n    this.shadowRoot.appendChild(style);",
    "const sheet = new CSSStyleSheet();\n    sheet.replaceSync(baseStyles + EXTRA_STYLES);\n    this.shadowRoot.adoptedStyleSheets = [sheet];",
  ],
  [
    "targetNode.setAttribute(attributeName, newValue);",
    "if (attributeName === 'style') targetNode.style.cssText = newValue;\n        else targetNode.setAttribute(attributeName, newValue);",
  ],
];

export function cspSafeEmojiPicker(): Plugin {
  return {
    name: "chatapp:csp-safe-emoji-picker",
    transform(code, id) {
      if (!/[\\/]emoji-picker-element[\\/]picker\.js$/.test(id)) return null;
      let out = code;
      for (const [from, to] of REWRITES) {
        if (!out.includes(from)) this.error(`emoji-picker-element changed: cannot find ${JSON.stringify(from.slice(0, 60))}`);
        out = out.replace(from, to);
      }
      return { code: out, map: null };
    },
  };
}
