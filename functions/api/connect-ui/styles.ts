/**
 * The connect page's stylesheet. It is inlined into the page and allowed by its hash in the
 * Content-Security-Policy (`page.ts`), so it must stay a constant: nothing is interpolated.
 * Light and dark follow the end user's system setting; focus is always visible.
 */
export const CONNECT_PAGE_STYLES = `
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--accent:#0969da;--accent-fg:#fff;--ok:#1a7f37;--bad:#cf222e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#161b22;--line:#3d444d;--accent:#4493f8;--accent-fg:#0d1117;--ok:#3fb950;--bad:#f85149}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:30rem;margin:0 auto;padding:1.5rem 1rem 3rem}
header{display:flex;align-items:center;justify-content:space-between;gap:1rem}
h1{font-size:1.35rem;margin:0}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
h2:focus,h1:focus{outline:none}
.status{min-height:1.5rem;color:var(--muted);margin:.75rem 0}
.status.error{color:var(--bad)}
ul.integrations{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}
.integration{display:flex;align-items:center;gap:.5rem;border:1px solid var(--line);border-radius:8px;background:var(--panel);padding:.25rem .5rem .25rem .25rem}
.integration button.pick{flex:1;display:flex;align-items:center;gap:.75rem;text-align:left;background:none;border:0;color:inherit;font:inherit;padding:.5rem;border-radius:6px;cursor:pointer}
.integration button.pick:hover{background:var(--bg)}
.logo{width:2rem;height:2rem;flex:none;border-radius:6px;object-fit:contain;background:#fff}
.initial{width:2rem;height:2rem;flex:none;border-radius:6px;display:inline-flex;align-items:center;justify-content:center;font-weight:700;background:var(--accent);color:var(--accent-fg)}
.name{font-weight:600;display:block}
.meta{color:var(--muted);font-size:.85rem;display:block}
a{color:var(--accent)}
.docs{font-size:.85rem;white-space:nowrap;padding:.25rem}
.field{margin:1rem 0}
label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{display:block;color:var(--muted);font-size:.85rem;margin-bottom:.25rem}
input{width:100%;font:inherit;padding:.5rem .6rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
input[aria-invalid="true"]{border-color:var(--bad)}
.field-error{color:var(--bad);font-size:.85rem;margin:.25rem 0 0}
.form-error{color:var(--bad);border:1px solid var(--bad);border-radius:6px;padding:.5rem .75rem}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:1.25rem}
button.primary,button.secondary{font:inherit;font-weight:600;padding:.5rem 1rem;border-radius:6px;cursor:pointer;border:1px solid var(--accent)}
button.primary{background:var(--accent);color:var(--accent-fg)}
button.secondary{background:none;color:var(--accent)}
button.icon{font:inherit;font-size:1.4rem;line-height:1;background:none;border:0;color:var(--muted);cursor:pointer;padding:.25rem .5rem;border-radius:6px}
button[disabled]{opacity:.6;cursor:progress}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.result{border-radius:8px;padding:1rem;border:1px solid var(--line);background:var(--panel)}
.result.success h2{color:var(--ok)}
.result.failure h2{color:var(--bad)}
.result h2{margin-top:0}
[hidden]{display:none!important}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
