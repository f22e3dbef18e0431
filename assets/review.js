// Reviewer workspace enhancement: a waveform drawn from the precomputed peaks (wavesurfer.js,
// which never downloads or decodes the audio for it), player buttons, keyboard shortcuts, the
// "n of m steps" count, what Send still waits for (open steps, the share of the call heard or
// the minimum listening time, counted down), the parts of the call played (sent with the
// review as the hidden `heard` field), "mark time", a player that gives way while a comment is typed on a phone,
// and a draft kept in localStorage so a reload loses nothing. The checklist stays one plain
// form: without JavaScript it posts the same way, and nothing here is shown before this runs.
// On the owner's script preview (`data-preview`) the same checklist works, but nothing is
// stored or sent. Every message shown comes from the page (data attributes), in its language.
(function () {
  "use strict";
  var PREFIX = "callqa-review:";

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function forgetDrafts(except) {
    var store = storage();
    if (!store) return;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0 && key !== except) store.removeItem(key);
    }
  }

  var workspace = document.getElementById("workspace");
  // After a review is sent (or on the start page, with no call held) no draft is needed.
  if (!workspace) {
    if (document.querySelector("[data-review-done]")) forgetDrafts(null);
    return;
  }
  workspace.classList.add("js");

  var preview = workspace.hasAttribute("data-preview");
  var form = document.getElementById("review-form");
  var bar = document.getElementById("send-bar");
  var audio = document.getElementById("audio");
  var player = document.getElementById("player");
  var code = workspace.dataset.code;
  var draftKey = PREFIX + code;
  var durationMs = Number(workspace.dataset.durationMs) || 0;
  var steps = Array.prototype.slice.call(workspace.querySelectorAll(".ws-step"));
  // The fourth, "did not arise", exists only on steps that may not come up (key 4).
  var VERDICTS = ["correct", "incorrect", "missing", "did_not_arise"];
  var current = 0;

  if (!preview) forgetDrafts(draftKey);

  // ---- times -------------------------------------------------------------------------------
  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    var mm = h ? (m < 10 ? "0" : "") + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (r < 10 ? "0" : "") + r;
  }

  // ---- what was heard ----------------------------------------------------------------------
  // The parts played, as merged [start_ms, end_ms] ranges: the player's own record (`played`)
  // joined with what an earlier page of this call had (the draft, or the refused post).
  var heardField = document.getElementById("heard");
  var minHeard = Number(workspace.dataset.minHeardPercent) || 0;
  var heard = [];
  function mergeRanges(ranges) {
    var clipped = [];
    ranges.forEach(function (range) {
      var start = Math.min(Math.max(0, Math.round(range[0])), durationMs);
      var end = Math.min(Math.max(0, Math.round(range[1])), durationMs);
      if (isFinite(start) && isFinite(end) && end > start) clipped.push([start, end]);
    });
    clipped.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var merged = [];
    clipped.forEach(function (range) {
      var last = merged[merged.length - 1];
      if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
      else merged.push(range);
    });
    return merged;
  }
  function encodeRanges(ranges) {
    return ranges.map(function (range) { return range[0] + "-" + range[1]; }).join(",");
  }
  function decodeRanges(text) {
    return String(text || "").split(",").map(function (piece) {
      var parts = piece.split("-");
      return parts.length === 2 ? [Number(parts[0]), Number(parts[1])] : [NaN, NaN];
    });
  }
  function heardMs() {
    return heard.reduce(function (sum, range) { return sum + range[1] - range[0]; }, 0);
  }
  function heardPercent() {
    return durationMs > 0 ? Math.min(100, Math.floor(heardMs() * 100 / durationMs)) : 100;
  }
  var heardLine = null;
  function showHeard() {
    if (!heardLine) return;
    heardLine.textContent = workspace.dataset.heardTemplate.replace("#", String(heardPercent()));
    heardLine.classList.toggle("enough", heardPercent() >= minHeard);
  }
  // Reads the player's record; true when it added something.
  function collectHeard() {
    if (!audio || !audio.played) return false;
    var ranges = heard.slice();
    for (var i = 0; i < audio.played.length; i++) {
      ranges.push([audio.played.start(i) * 1000, audio.played.end(i) * 1000]);
    }
    var merged = mergeRanges(ranges);
    var changed = encodeRanges(merged) !== encodeRanges(heard);
    heard = merged;
    if (changed) showHeard();
    return changed;
  }
  if (heardField && !preview) {
    heard = mergeRanges(decodeRanges(heardField.value));
    heardField.disabled = false;
    heardField.value = encodeRanges(heard);
  }

  // ---- player ------------------------------------------------------------------------------
  var controls = document.getElementById("player-controls");
  function seek(delta) {
    if (!audio) return;
    var end = audio.duration || durationMs / 1000;
    audio.currentTime = Math.min(Math.max(0, audio.currentTime + delta), end);
  }
  function toggle() {
    if (!audio) return;
    if (audio.paused) {
      var started = audio.play();
      if (started && started.catch) started.catch(function () {});
    } else {
      audio.pause();
    }
  }

  if (audio && controls) {
    var play = document.getElementById("play");
    var now = document.getElementById("now");
    var speed = document.getElementById("speed");
    // The page's own controls replace the browser's at once; the waveform joins them when
    // its peaks arrive. Without it (no peaks, an old browser) the browser's controls return.
    function nativeControls() {
      controls.hidden = true;
      document.getElementById("waveform").hidden = true;
      audio.controls = true;
    }
    controls.hidden = false;
    audio.controls = false;
    document.getElementById("keys-hint").hidden = false;

    var showState = function () {
      var playing = !audio.paused;
      play.setAttribute("aria-pressed", playing ? "true" : "false");
      play.querySelector(".icon").textContent = playing ? "❚❚" : "▶";
      play.querySelector(".label").textContent = playing ? play.dataset.pause : play.dataset.play;
    };
    play.addEventListener("click", toggle);
    document.getElementById("back").addEventListener("click", function () { seek(-5); });
    document.getElementById("forward").addEventListener("click", function () { seek(5); });
    speed.addEventListener("change", function () { audio.playbackRate = Number(speed.value) || 1; });
    audio.addEventListener("play", showState);
    audio.addEventListener("pause", showState);
    audio.addEventListener("ended", showState);
    audio.addEventListener("timeupdate", function () { now.textContent = clock(audio.currentTime); });
    audio.addEventListener("ratechange", function () {
      var rate = String(audio.playbackRate);
      if (speed.value !== rate) speed.value = rate;
    });

    // The waveform, from the peaks file (BBC audiowaveform v2 JSON: min/max pairs per channel).
    var drawWaveform = function (json) {
      var channels = json.channels || 1;
      var scale = json.bits === 16 ? 32767 : 127;
      var peaks = [];
      for (var c = 0; c < channels; c++) peaks.push([]);
      var data = json.data || [];
      for (var i = 0; i + 1 < data.length; i += 2) {
        var channel = (i / 2) % channels;
        peaks[channel].push(data[i] / scale, data[i + 1] / scale);
      }
      var styles = getComputedStyle(document.body);
      var accent = styles.getPropertyValue("--accent").trim() || "#0d47a1";
      var box = document.getElementById("waveform");
      box.hidden = false;
      window.WaveSurfer.create({
        container: box,
        media: audio,
        peaks: peaks,
        duration: durationMs / 1000,
        height: "auto",
        waveColor: "#8a94a0",
        progressColor: accent,
        cursorColor: accent,
        cursorWidth: 2,
        barWidth: 2,
        barGap: 1,
        barRadius: 1,
        normalize: true,
        dragToSeek: true
      });
    };
    if (window.WaveSurfer && window.fetch) {
      fetch(workspace.dataset.peaks, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(drawWaveform)
        .catch(nativeControls);
    } else {
      nativeControls();
    }
  }

  // The sticky bars' heights, for the steps' scroll margins (a step scrolled to shows whole).
  function measure() {
    if (player) workspace.style.setProperty("--player-h", player.offsetHeight + "px");
    if (bar) workspace.style.setProperty("--send-h", bar.offsetHeight + "px");
  }
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(measure);
    if (player) observer.observe(player);
    if (bar) observer.observe(bar);
  }
  measure();

  // ---- typing on a phone: the player and the send bar give way -------------------------
  function textField(element) {
    if (!element || !element.tagName) return false;
    if (element.tagName === "TEXTAREA") return true;
    return element.tagName === "INPUT" &&
      !/^(radio|checkbox|button|submit|reset|hidden|range)$/.test(element.type);
  }
  // While the keyboard is up, scroll back just enough that the step's title shows under the
  // player, as long as the field being typed in stays in sight.
  function keepStepInSight() {
    var field = document.activeElement;
    if (!textField(field)) return;
    var step = field.closest(".ws-step");
    if (!step) return;
    var view = window.visualViewport;
    var visibleTop = view ? view.offsetTop : 0;
    var visibleBottom = visibleTop + (view ? view.height : window.innerHeight);
    var playerBottom = player ? Math.max(visibleTop, player.getBoundingClientRect().bottom) : visibleTop;
    var hidden = playerBottom + 4 - step.getBoundingClientRect().top;
    var room = visibleBottom - field.getBoundingClientRect().bottom - 8;
    var by = Math.min(hidden, room);
    if (by > 0) window.scrollBy(0, -by);
  }
  var typingTimer = 0;
  function setTyping(on) {
    if (workspace.classList.contains("typing") === on) return;
    workspace.classList.toggle("typing", on);
    measure();
  }
  workspace.addEventListener("focusin", function (event) {
    if (!textField(event.target)) return;
    clearTimeout(typingTimer);
    setTyping(true);
    setTimeout(keepStepInSight, 350);
  });
  workspace.addEventListener("focusout", function (event) {
    if (!textField(event.target)) return;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { setTyping(textField(document.activeElement)); }, 150);
  });
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", function () {
      if (textField(document.activeElement)) keepStepInSight();
    });
  }

  // ---- the checklist -----------------------------------------------------------------------
  function chosen(step) {
    var checked = step.querySelector("input[type=radio]:checked");
    return checked ? checked.value : "";
  }
  function field(step, prefix) {
    return document.getElementById(prefix + step.dataset.step);
  }
  function needsComment(step) {
    var verdict = chosen(step);
    return verdict === "incorrect" || verdict === "missing";
  }

  var progress = document.getElementById("progress");
  var send = document.getElementById("send");
  var note = document.getElementById("send-note");
  var waitLine = document.getElementById("send-wait");
  var message = document.getElementById("send-message");
  progress.hidden = false;
  if (heardField && !preview && minHeard > 0) {
    heardLine = document.createElement("p");
    heardLine.id = "send-heard";
    heardLine.className = "send-heard";
    progress.parentNode.appendChild(heardLine);
    showHeard();
  }

  // "2, 4–7": step numbers, runs shortened.
  function numbers(list) {
    var parts = [];
    for (var i = 0; i < list.length; i++) {
      var start = list[i];
      while (i + 1 < list.length && list[i + 1] === list[i] + 1) i++;
      parts.push(list[i] === start ? String(start) : start + (list[i] === start + 1 ? ", " : "–") + list[i]);
    }
    return parts.join(", ");
  }
  function openSteps() {
    return steps.filter(function (step) { return !chosen(step); });
  }

  function refresh() {
    steps.forEach(function (step) {
      var needs = needsComment(step);
      var comment = field(step, "comment-");
      if (needs) comment.setAttribute("aria-required", "true");
      else comment.removeAttribute("aria-required");
      step.querySelector(".required-note").hidden = !needs;
      step.classList.toggle("graded", !!chosen(step));
    });
    var open = openSteps();
    progress.textContent = progress.dataset.template.replace("#", String(steps.length - open.length));
    if (open.length === 0) {
      note.hidden = true;
      note.textContent = "";
    } else {
      var list = open.map(function (step) { return Number(step.dataset.number); });
      note.textContent = open.length === 1
        ? bar.dataset.openOne.replace("#", String(list[0]))
        : bar.dataset.openMany.replace("#", numbers(list));
      note.hidden = false;
    }
  }

  // Messages this page adds by a step (the server's stay until the page is sent again).
  function clearMessages(step) {
    Array.prototype.forEach.call(step.querySelectorAll("[data-client]"), function (p) { p.remove(); });
  }
  function tell(step, text) {
    clearMessages(step);
    var box = step.querySelector(".step-problems");
    var p = document.createElement("p");
    p.className = "field-error";
    p.setAttribute("data-client", "");
    p.textContent = text;
    box.appendChild(p);
    step.setAttribute("aria-describedby", box.id);
    message.textContent = text;
    message.dataset.reason = "step";
  }

  // The minimum listening time: Send opens this many milliseconds after the page was made.
  // Where the share heard is what counts, the server judges that instead (and no countdown).
  var sendOpensAt = heardLine ? 0 : Date.now() + (Number(workspace.dataset.sendWaitMs) || 0);
  function waitLeft() { return Math.max(0, sendOpensAt - Date.now()); }
  function tick() {
    var left = waitLeft();
    waitLine.hidden = left <= 0;
    if (left > 0) {
      waitLine.textContent = waitLine.dataset.template.replace("#", clock(Math.ceil(left / 1000)));
      setTimeout(tick, left % 1000 || 1000);
    } else if (message.dataset.reason === "wait") {
      message.textContent = "";
    }
  }

  function setCurrent(index, focus) {
    if (index < 0 || index >= steps.length) return;
    current = index;
    steps.forEach(function (step, i) { step.classList.toggle("current", i === index); });
    if (focus) {
      steps[index].focus({ preventScroll: true });
      steps[index].scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }

  // What keeps the review from being sent, shown where it is; false when it may go.
  function refuse() {
    var open = openSteps();
    if (open.length) {
      var index = steps.indexOf(open[0]);
      tell(open[0], bar.dataset.choose);
      setCurrent(index, true);
      return true;
    }
    var silent = steps.filter(function (step) {
      return needsComment(step) && !field(step, "comment-").value.trim();
    })[0];
    if (silent) {
      tell(silent, bar.dataset.comment);
      setCurrent(steps.indexOf(silent), false);
      field(silent, "comment-").focus();
      return true;
    }
    collectHeard();
    if (heardLine && heardPercent() < minHeard) {
      message.textContent = workspace.dataset.notHeard.replace("#", String(heardPercent()));
      message.dataset.reason = "heard";
      return true;
    }
    if (waitLeft() > 0) {
      message.textContent = bar.dataset.tooSoon.replace("#", String(Math.ceil(waitLeft() / 1000)));
      message.dataset.reason = "wait";
      return true;
    }
    return false;
  }

  steps.forEach(function (step, index) {
    step.addEventListener("focusin", function () { setCurrent(index, false); });
    step.addEventListener("click", function () { setCurrent(index, false); });
    var mark = step.querySelector("[data-mark]");
    if (audio && controls) {
      mark.hidden = false;
      mark.addEventListener("click", function () { markTime(step); });
    }
  });

  function markTime(step) {
    if (!audio) return;
    var seconds = Math.min(audio.currentTime || 0, durationMs / 1000);
    field(step, "at-").value = clock(seconds);
    save();
  }

  function setVerdict(step, verdict) {
    var radio = step.querySelector("input[type=radio][value=" + verdict + "]");
    // A step that always comes up has no "did not arise": key 4 does nothing there.
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // ---- the draft ---------------------------------------------------------------------------
  function save() {
    var store = storage();
    if (!store || preview) return;
    var draft = { heard: encodeRanges(heard) };
    steps.forEach(function (step) {
      draft[step.dataset.step] = {
        verdict: chosen(step),
        comment: field(step, "comment-").value,
        at: field(step, "at-").value
      };
    });
    try { store.setItem(draftKey, JSON.stringify(draft)); } catch (e) { /* full: no draft */ }
  }
  function restore() {
    var store = storage();
    // A page shown again after a post already holds what was sent.
    if (!store || preview || workspace.hasAttribute("data-echo")) return;
    var draft;
    try { draft = JSON.parse(store.getItem(draftKey) || "null"); } catch (e) { draft = null; }
    if (!draft) return;
    if (typeof draft.heard === "string") {
      heard = mergeRanges(heard.concat(decodeRanges(draft.heard)));
    }
    steps.forEach(function (step) {
      var saved = draft[step.dataset.step];
      if (!saved) return;
      var radio = VERDICTS.indexOf(saved.verdict) >= 0 &&
        step.querySelector("input[type=radio][value=" + saved.verdict + "]");
      if (radio) radio.checked = true;
      if (typeof saved.comment === "string") field(step, "comment-").value = saved.comment;
      if (typeof saved.at === "string") field(step, "at-").value = saved.at;
    });
  }

  form.addEventListener("change", function (event) {
    var step = event.target.closest && event.target.closest(".ws-step");
    if (step) clearMessages(step);
    if (message.dataset.reason === "step") message.textContent = "";
    refresh();
    save();
  });
  form.addEventListener("input", save);
  if (form.tagName === "FORM") {
    // The page checks and words everything itself, in the page's language.
    form.noValidate = true;
    form.addEventListener("submit", function (event) {
      if (refuse()) {
        event.preventDefault();
      } else {
        if (heardField) heardField.value = encodeRanges(heard);
        save();
      }
    });
  } else {
    send.addEventListener("click", function () {
      if (!refuse()) message.textContent = bar.dataset.preview;
    });
  }

  // ---- keyboard ----------------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target.tagName;
    var typing = tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && target.type !== "radio" && target.type !== "checkbox");
    if (typing) {
      if (event.key === "Escape" && workspace.contains(target)) {
        event.preventDefault();
        // The player takes its full height back first, so the step is scrolled clear of it.
        clearTimeout(typingTimer);
        setTyping(false);
        setCurrent(current, true);
      }
      return;
    }
    var key = event.key;
    // On a verdict, Space and the arrows do what they do on any radio button: choose, and
    // move within the step's verdicts. The player's keys apply everywhere else.
    var radio = tag === "INPUT" && target.type === "radio";
    if (radio && (key === " " || key === "Spacebar" || key.indexOf("Arrow") === 0)) return;
    var handled = true;
    if (key === " " || key === "Spacebar") {
      if (!audio || tag === "BUTTON" || tag === "SUMMARY" || tag === "A") return;
      toggle();
    } else if (key === "ArrowLeft" && audio) {
      seek(-5);
    } else if (key === "ArrowRight" && audio) {
      seek(5);
    } else if (key === "ArrowDown" || key === "j" || key === "J") {
      setCurrent(current + 1, true);
    } else if (key === "ArrowUp" || key === "k" || key === "K") {
      setCurrent(current - 1, true);
    } else if (key === "1" || key === "2" || key === "3" || key === "4") {
      if (!form.contains(target) && target !== document.body) return;
      setVerdict(steps[current], VERDICTS[Number(key) - 1]);
    } else if ((key === "m" || key === "M") && audio) {
      markTime(steps[current]);
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });

  restore();
  if (heardField && !preview) {
    heardField.value = encodeRanges(heard);
    showHeard();
    // The player's record grows while it plays and is read again at each stop and jump.
    if (audio) {
      ["timeupdate", "pause", "seeking", "ended"].forEach(function (name) {
        audio.addEventListener(name, function () {
          if (collectHeard()) {
            heardField.value = encodeRanges(heard);
            if (message.dataset.reason === "heard" && heardPercent() >= minHeard) message.textContent = "";
            save();
          }
        });
      });
    }
  }
  refresh();
  tick();
  // A refusal is read first: focused (the page asks for it with `autofocus` as well).
  var refusal = document.querySelector("[data-focus-on-load]");
  if (refusal && document.activeElement !== refusal) refusal.focus();
  // Start at the first step with a message, else the first without a verdict.
  var firstProblem = steps.findIndex(function (step) { return step.classList.contains("has-problem"); });
  var firstOpen = steps.findIndex(function (step) { return !chosen(step); });
  setCurrent(firstProblem >= 0 ? firstProblem : Math.max(firstOpen, 0), false);
})();
