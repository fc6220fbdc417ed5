// report-qa web UI behaviour (app.py passes this to Gradio as `js`). Scoped to #qa-* elements.
() => {
  if (window.__qaReady) return;
  window.__qaReady = true;
  const EMPTY = "提问后，这里会列出回答所依据的报告原文：黄色为回答句，红色加粗为问题中的关键词。";
  const html = document.documentElement;
  const keepLang = () => { if (html.lang !== "zh-CN") html.lang = "zh-CN"; };
  keepLang();
  new MutationObserver(keepLang).observe(html, { attributes: true, attributeFilter: ["lang"] });

  const phone = () => window.matchMedia("(max-width: 768px)").matches;
  const $ = (sel, el = document) => el.querySelector(sel);
  const answers = () => [...document.querySelectorAll("#qa-chat .qa-answer")];
  const panel = () => $("#qa-evidence .qa-panel-body");
  const sendButton = () => $("#qa-send");
  const busy = () => { const b = sendButton(); return !!b && (b.disabled || b.getAttribute("aria-disabled") === "true"); };
  const hint = (text) => { const h = $("#qa-hint .qa-hint"); if (h) h.textContent = text; };

  // The chat's sanitiser drops data-* attributes: answers are told apart by their position,
  // citation numbers are read from the text of [n] and of each card's number.
  let shown = { index: -1, html: null };  // what the side panel shows
  let pinned = -1;                        // the answer the user chose (-1: follow the newest)
  let pinnedCount = 0;                    // how many answers there were when it was chosen
  const numberOf = (el) => (el.textContent || "").replace(/\D/g, "");

  function showInPanel(ans, index) {
    const p = panel();
    if (!p) return;
    const cards = ans && ans.querySelector(".qa-sources .qa-cards");
    const content = cards ? cards.outerHTML : "";
    if (shown.index === index && shown.html === content) return;
    shown = { index, html: content };
    p.dataset.answer = String(index);
    if (content) p.innerHTML = content;
    else p.innerHTML = '<div class="qa-empty">' + (ans ? "这个回答没有引用段落。" : EMPTY) + "</div>";
  }

  function findCard(box, n) {
    return [...box.querySelectorAll(".qa-card")].find((c) => {
      const num = c.querySelector(".qa-n");
      return num && numberOf(num) === String(n);
    });
  }

  function select(ans, n) {
    if (!ans) return;
    const all = answers();
    const index = all.indexOf(ans);
    pinned = index === all.length - 1 ? -1 : index;
    pinnedCount = all.length;
    all.forEach((a) => a.classList.toggle("qa-selected", a === ans));
    let box;
    if (phone()) {
      box = ans.querySelector("details.qa-sources");
      if (box && n) box.open = true;
    } else {
      showInPanel(ans, index);
      box = panel();
    }
    if (!box || !n) return;
    box.querySelectorAll(".qa-card.qa-marked").forEach((c) => c.classList.remove("qa-marked"));
    const card = findCard(box, n);
    if (!card) return;
    card.classList.add("qa-marked");
    // The chat scrolls itself to its bottom shortly after its content changes (opening the
    // sources is such a change): for a moment, bring the card back if that happens.
    const log = ans.closest('[role="log"]');
    const reveal = () => card.scrollIntoView({ block: phone() ? "start" : "nearest", behavior: "instant" });
    reveal();
    if (log) {
      const until = performance.now() + 1500;
      const keep = () => {
        if (performance.now() > until) { log.removeEventListener("scroll", keep); return; }
        const r = card.getBoundingClientRect(), l = log.getBoundingClientRect();
        const fits = r.height <= l.height;
        if (r.top < l.top - 1 || (fits ? r.bottom > l.bottom + 1 : r.top > l.top + 40)) reveal();
      };
      log.addEventListener("scroll", keep);
    }
    card.focus({ preventScroll: true });
  }

  // keep the side panel on the chosen answer, or on the newest one
  function sync() {
    const all = answers();
    if (pinned >= 0 && (all.length !== pinnedCount || pinned >= all.length)) pinned = -1;
    const index = pinned >= 0 ? pinned : all.length - 1;
    const ans = all[index] || null;
    all.forEach((a) => a.classList.toggle("qa-selected", a === ans));
    if (!phone()) showInPanel(ans, index);
  }
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; sync(); });
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  window.matchMedia("(max-width: 768px)").addEventListener("change", () => { shown = { index: -1, html: null }; sync(); });

  async function copyText(text) {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) { /* fall back */ }
    const t = document.createElement("textarea");
    t.value = text; t.setAttribute("readonly", ""); t.style.position = "fixed"; t.style.opacity = "0";
    document.body.appendChild(t); t.select();
    let ok = false; try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    t.remove(); return ok;
  }

  function conversationMarkdown() {
    const out = ["# 报告问答记录", ""];
    document.querySelectorAll("#qa-chat .qa-question, #qa-chat .qa-answer").forEach((el) => {
      if (el.classList.contains("qa-question")) out.push("## 问：" + el.textContent.trim(), "");
      else { const plain = el.querySelector(".qa-plain"); if (plain) out.push(plain.textContent.trim(), ""); }
    });
    return out.join("\n");
  }

  document.addEventListener("click", async (e) => {
    const t = e.target instanceof Element ? e.target : null;
    if (!t) return;
    const ref = t.closest(".qa-ref");
    if (ref) { e.preventDefault(); select(ref.closest(".qa-answer"), numberOf(ref)); return; }
    const copy = t.closest(".qa-copy");
    if (copy) {
      e.preventDefault();
      const ans = copy.closest(".qa-answer");
      const ok = await copyText(ans.querySelector(".qa-plain").textContent);
      const note = ans.querySelector(".qa-copied");
      if (note) note.textContent = ok ? "已复制" : "复制失败，请手动选择文字";
      return;
    }
    const open = t.closest("a.qa-open");
    if (open) { e.preventDefault(); window.open(open.href, "_blank", "noopener"); return; }
    if (t.closest("#qa-export")) {
      e.preventDefault();
      const blob = new Blob([conversationMarkdown()], { type: "text/markdown;charset=utf-8" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob); a.download = "报告问答记录.md";
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      return;
    }
    const ans = t.closest("#qa-chat .qa-answer");
    if (ans && !t.closest("details, button, a")) select(ans);
  }, true);

  // Enter: never submit while an IME composes; while an answer runs, keep the text and say so
  document.addEventListener("keydown", (e) => {
    const box = e.target instanceof Element && e.target.closest("#qa-input textarea");
    if (!box || e.key !== "Enter" || e.shiftKey) return;
    if (e.isComposing || e.keyCode === 229) { e.stopImmediatePropagation(); return; }
    if (busy()) {
      e.preventDefault(); e.stopImmediatePropagation();
      hint("上一个回答还在生成：问题已保留在输入框，回答结束后再发送，或先点「停止」。");
    }
  }, true);


  // retrieval details (off by default): one style rule switched on and off
  window.qaShowDetails = (on) => {
    let style = document.getElementById("qa-details-on");
    if (on && !style) {
      style = document.createElement("style");
      style.id = "qa-details-on";
      style.textContent = "#qa-chat .qa-debug { display: block; }";
      document.head.appendChild(style);
    } else if (!on && style) style.remove();
    return [];
  };
}
