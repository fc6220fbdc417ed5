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
  // Citations: one tab stop per answer (roving tabindex), arrow keys move between its markers,
  // so a keyboard user reaches the input without stepping through every [n] of the conversation.
  const roving = new Map();  // answer index -> position of its tabbable marker
  function rove() {
    answers().forEach((ans, i) => {
      const refs = [...ans.querySelectorAll("button.qa-ref")];
      const pos = Math.min(roving.get(i) || 0, refs.length - 1);
      refs.forEach((r, j) => { const want = j === pos ? 0 : -1; if (r.tabIndex !== want) r.tabIndex = want; });
    });
  }
  document.addEventListener("keydown", (e) => {
    const ref = e.target instanceof Element && e.target.closest("#qa-chat button.qa-ref");
    if (!ref) return;
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (!step && e.key !== "Home" && e.key !== "End") return;
    const ans = ref.closest(".qa-answer");
    const refs = [...ans.querySelectorAll("button.qa-ref")];
    const at = refs.indexOf(ref);
    const to = e.key === "Home" ? 0 : e.key === "End" ? refs.length - 1
      : (at + step + refs.length) % refs.length;
    e.preventDefault();
    roving.set(answers().indexOf(ans), to);
    rove();
    refs[to].focus();
  }, true);

  // Gradio's own words in the upload area and its notices follow the browser's language: say
  // them in Chinese like the rest of the page (exact texts; a notice's own message is kept)
  const GRADIO_ZH = new Map([
    ["Drop File Here", "将文件拖放到这里"], ["Drop Files Here", "将文件拖放到这里"], ["- or -", "或"],
    ["Click to Upload", "点击上传"], ["Uploading...", "正在上传…"], ["Error", "出错"],
    ["Warning", "注意"], ["Info", "提示"], ["processing", "处理中"], ["Clear", "清除"],
    ["Connection to the server was lost. Attempting reconnection...", "与服务器的连接已断开，正在尝试重新连接…"],
  ]);
  const GRADIO_ZH_PATTERNS = [
    [/^Invalid file types?:.*/i, "不支持的文件类型。"],
    [/^Uploading (\d+) files?\.*$/i, "正在上传 $1 个文件…"],
    [/^processing\b/i, "处理中"],
    [/^queue:?\s*/i, "排队："],
  ];
  function translateGradio() {
    document.querySelectorAll('#qa-upload, #qa-library [data-testid="status-tracker"], .toast-wrap').forEach((root) => {
      const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walk.nextNode(); node; node = walk.nextNode()) {
        const text = node.nodeValue.trim();
        const pattern = GRADIO_ZH_PATTERNS.find(([re]) => re.test(text));
        const zh = GRADIO_ZH.get(text) || (pattern ? text.replace(pattern[0], pattern[1]) : null);
        if (zh) node.nodeValue = node.nodeValue.replace(text, zh);
      }
    });
  }

  function tidy() {
    if (busy() && !watching) watchServer();  // an answer started (Enter, 发送 or an example)
    sync();
    rove();
    translateGradio();
    if (downShown && busy()) {  // an answer runs again: the server is back
      const h = $("#qa-hint .qa-hint");
      if (h && h.textContent === downShown) h.textContent = "";
      downShown = "";
    }
    if (busyHintShown && !busy()) {  // the answer ended: the "still answering" hint goes
      busyHintShown = false;
      const h = $("#qa-hint .qa-hint");
      if (h && h.textContent === BUSY_HINT) h.textContent = "";
    }
  }
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; tidy(); });
  }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true,
                              attributeFilter: ["disabled", "aria-disabled"] });
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
    if (t.closest("#qa-send, #qa-examples") && !busy()) watchServer();
    const ans = t.closest("#qa-chat .qa-answer");
    if (ans && !t.closest("details, button, a")) select(ans);
  }, true);

  // Enter: never submit while an IME composes (pinyin etc.), nor with the Enter that ends a
  // composition; while an answer runs, keep the text and say so. Gradio submits on `keypress`;
  // `keydown` and `keypress` are both guarded (capture phase, before Gradio's own listener).
  const BUSY_HINT = "上一个回答还在生成：问题已保留在输入框，回答结束后再发送，或先点「停止」。";
  let composing = false;    // between compositionstart and compositionend
  let justComposed = false; // the Enter right after compositionend (Safari sends it after the end)
  let justComposedTimer = 0;
  const inInput = (e) => e.target instanceof Element && !!e.target.closest("#qa-input textarea");
  document.addEventListener("compositionstart", (e) => { if (inInput(e)) composing = true; }, true);
  document.addEventListener("compositionend", (e) => {
    if (!inInput(e)) return;
    composing = false;
    justComposed = true;
    clearTimeout(justComposedTimer);
    justComposedTimer = setTimeout(() => { justComposed = false; }, 100);
  }, true);
  document.addEventListener("keyup", (e) => { if (inInput(e) && !composing) justComposed = false; }, true);
  document.addEventListener("focusout", (e) => { if (inInput(e)) composing = justComposed = false; }, true);
  let busyHintShown = false;
  function guardEnter(e) {
    if (!inInput(e) || e.key !== "Enter" || e.shiftKey) return;
    if (composing || justComposed || e.isComposing || e.keyCode === 229) {
      if (e.type === "keypress") e.preventDefault();  // no newline from the IME's Enter either
      e.stopImmediatePropagation();
      return;
    }
    if (busy()) {
      e.preventDefault(); e.stopImmediatePropagation();
      hint(BUSY_HINT);
      busyHintShown = true;
      return;
    }
    if (e.type === "keydown") watchServer();
  }
  document.addEventListener("keydown", guardEnter, true);
  document.addEventListener("keypress", guardEnter, true);

  // A question sent while the server is down (or that goes down while answering): Gradio shows
  // nothing useful for many seconds. Ask the server when a question is sent, and every few seconds
  // while an answer runs; if it does not answer, say so in Chinese (the question stays in the input).
  const DOWN_HINT = "⚠️ 无法连接到服务器：问题没有发出，已保留在输入框。请确认服务（python app.py）仍在运行，然后重新发送。";
  const LOST_HINT = "⚠️ 与服务器的连接已断开，这个回答无法完成。请确认服务（python app.py）仍在运行，然后刷新页面重新提问。";
  let downShown = "";  // the message shown, cleared when an answer runs again
  const PROBE_MS = 4000, WATCH_MS = 3000;
  let watching = false;
  async function reachable() {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), PROBE_MS);
    try {
      // Gradio's robots.txt: a few constant bytes, nothing rendered; any answer means "up"
      const r = await fetch("robots.txt", { cache: "no-store", signal: ctl.signal });
      return r.status < 500;
    } catch (err) { return false; } finally { clearTimeout(timer); }
  }
  function watchServer() {
    if (watching) return;
    watching = true;
    const check = async () => {
      if (!(await reachable())) {
        watching = false;
        downShown = busy() ? LOST_HINT : DOWN_HINT;
        hint(downShown);
        return;
      }
      if (busy()) setTimeout(check, WATCH_MS);  // keep watching while the answer runs
      else watching = false;
    };
    check();
  }

  // Uploads: a file of a type or size the library does not take is refused here, in Chinese
  // (Gradio's own check says it in English); the server's guard checks again.
  function uploadProblem(files, input) {
    const accept = ((input && input.getAttribute("accept")) || "").split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
    const max = (window.gradio_config && window.gradio_config.max_file_size) || 0;
    const bad = files.filter((f) => accept.length && !accept.some((t) => f.name.toLowerCase().endsWith(t)));
    if (bad.length) {
      return "⚠️ 不支持的文件类型：" + bad.map((f) => f.name).join("、") + "（可上传 " + accept.join("、") + "）。";
    }
    const big = files.filter((f) => max && f.size > max);
    if (big.length) {
      return "⚠️ 文件过大：" + big.map((f) => f.name + "（" + (f.size / 1048576).toFixed(1) + " MB）").join("、")
        + "，每个文件不超过 " + Math.round(max / 1048576) + " MB。";
    }
    return "";
  }
  function refuseUpload(e, files, input) {
    const problem = uploadProblem(files, input);
    if (!problem) return;
    e.preventDefault(); e.stopImmediatePropagation();
    if (input && input.value) input.value = "";
    const s = $("#qa-lib-status .qa-hint");
    if (s) s.textContent = problem;
  }
  document.addEventListener("change", (e) => {
    const input = e.target instanceof Element && e.target.closest("#qa-upload input[type=file]");
    if (input) refuseUpload(e, [...(input.files || [])], input);
  }, true);
  document.addEventListener("drop", (e) => {
    const zone = e.target instanceof Element && e.target.closest("#qa-upload");
    if (zone && e.dataTransfer) refuseUpload(e, [...e.dataTransfer.files], zone.querySelector("input[type=file]"));
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
