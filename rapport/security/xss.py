"""A corpus of cross-site scripting payloads (docs/security.md).

Every payload, if it ever ran, would set `window.__xss` (or its parent's) or open a dialog;
rapport/security/tests/test_xss_browser.py puts each into every place customer content is
shown and loads those pages in Chromium with the CSP switched *off*, so that escaping and
sanitising are proven on their own (the CSP is the second wall, tested separately).
"""

from __future__ import annotations

MARK = "xsscanary"  # a word in every payload: search finds them all

CORPUS: list[str] = [
    # Plain and attribute-breaking script tags.
    f"<script>window.__xss=1</script>{MARK}",
    f'"><script>window.__xss=1</script>{MARK}',
    f"'><script>window.__xss=1</script>{MARK}",
    f"</title></textarea></style><script>window.__xss=1</script>{MARK}",
    # Event handlers.
    f"<img src=x onerror=window.__xss=1>{MARK}",
    f'<img src="x" onerror="window.__xss=1;alert(1)">{MARK}',
    f'" onmouseover="window.__xss=1" x="{MARK}',
    f"' autofocus onfocus='window.__xss=1' x='{MARK}",
    f"<details open ontoggle=window.__xss=1>{MARK}</details>",
    f"<body onload=window.__xss=1>{MARK}",
    f"<input autofocus onfocus=window.__xss=1>{MARK}",
    # javascript: URLs, plain and obfuscated.
    f'<a href="javascript:window.__xss=1">{MARK}</a>',
    f'<a href="jav&#x09;ascript:window.__xss=1">{MARK}</a>',
    f'<a href=" &#14;  javascript:window.__xss=1">{MARK}</a>',
    f"javascript:window.__xss=1//{MARK}",
    f'<form action="javascript:window.__xss=1"><button>{MARK}</button></form>',
    f'<iframe src="javascript:parent.__xss=1">{MARK}</iframe>',
    f'<iframe srcdoc="&lt;script&gt;parent.__xss=1&lt;/script&gt;">{MARK}</iframe>',
    f'<object data="javascript:window.__xss=1">{MARK}</object>',
    f'<base href="javascript:window.__xss=1//">{MARK}',
    f'<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">{MARK}',
    # SVG and MathML (mutation XSS).
    f"<svg onload=window.__xss=1>{MARK}</svg>",
    f"<svg><script>window.__xss=1</script>{MARK}</svg>",
    f'<svg><a xlink:href="javascript:window.__xss=1"><text>{MARK}</text></a></svg>',
    f"<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>{MARK}",
    f'<noscript><p title="</noscript><img src=x onerror=window.__xss=1>">{MARK}',
    # CSS.
    f'<div style="background:url(javascript:window.__xss=1)">{MARK}</div>',
    f'<style>@import "javascript:window.__xss=1";</style>{MARK}',
    f'<p style="x:expression(window.__xss=1)">{MARK}</p>',
    # Template and JavaScript-string contexts.
    f"{{{{7*7}}}}${{window.__xss=1}}{MARK}",
    f'";window.__xss=1;//{MARK}',
    f"</script><script>window.__xss=1</script>{MARK}",
    # Unicode tricks, in Cyrillic and CJK text.
    f"Здравствуйте! <img src=x onerror=window.__xss=1> заказ {MARK}",
    f"您好 <svg/onload=window.__xss=1> 订单 {MARK}",
    f"\u202e<img src=x onerror=window.__xss=1>\u202c {MARK}",
    f"＜script＞window.__xss=1＜/script＞ {MARK}",
    f"<scr\u200bipt>window.__xss=1</scr\u200bipt> {MARK}",
    f"<img src=x onerror=window.__xss=1\u0000> {MARK}",
    f"%3Cscript%3Ewindow.__xss=1%3C/script%3E {MARK}",
    f"&lt;script&gt;window.__xss=1&lt;/script&gt; {MARK}",
]

# Run in the page: every element whose markup could run script, which none of Rapport's own
# templates has (no inline handlers, no javascript: URLs, scripts only from static files).
DOM_SCAN = """() => {
  const bad = [];
  const urlAttrs = ["href", "src", "action", "formaction", "data", "xlink:href", "srcdoc"];
  const show = (el) => el.outerHTML.slice(0, 120);
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (tag === "script" && el.type !== "application/json"
        && (!el.src || !el.src.startsWith(location.origin + "/"))) {
      bad.push("script: " + show(el));
    }
    if (["iframe", "object", "embed", "base"].includes(tag)) bad.push(tag + ": " + show(el));
    const equiv = (el.httpEquiv || "").toLowerCase();
    if (tag === "meta" && equiv === "refresh") bad.push("meta refresh");
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (name.startsWith("on")) bad.push("handler " + name + " on " + tag);
      if (urlAttrs.includes(name) && value.startsWith("javascript:")) {
        bad.push(name + "=javascript: on " + tag);
      }
      if (name === "style" && /expression|javascript:|url\\(/.test(value)) {
        bad.push("style on " + tag);
      }
    }
  }
  return bad;
}"""
