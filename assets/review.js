// Reviewer workspace enhancement: a waveform drawn from the precomputed peaks (wavesurfer.js,
// which never downloads or decodes the audio for it), player buttons, keyboard shortcuts, the
// "n of m steps" count, "mark time", and a draft kept in localStorage so a reload loses
// nothing. The checklist stays one plain form: without JavaScript it posts the same way.
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

  // After a review is sent (or on the start page, with no call held) no draft is needed.
  if (!document.getElementById("workspace")) {
    if (document.querySelector("[data-review-done]")) forgetDrafts(null);
    return;
  }

  var workspace = document.getElementById("workspace");
  var form = document.getElementById("review-form");
  var audio = document.getElementById("audio");
  var code = workspace.dataset.code;
  var draftKey = PREFIX + code;
  var durationMs = Number(workspace.dataset.durationMs) || 0;
  var steps = Array.prototype.slice.call(form.querySelectorAll(".ws-step"));
  var VERDICTS = ["correct", "incorrect", "missing"];
  var current = 0;

  forgetDrafts(draftKey);

  // ---- times -------------------------------------------------------------------------------
  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    var mm = h ? (m < 10 ? "0" : "") + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (r < 10 ? "0" : "") + r;
  }

  // ---- player ------------------------------------------------------------------------------
  var play = document.getElementById("play");
  var now = document.getElementById("now");
  var speed = document.getElementById("speed");
  document.getElementById("player-controls").hidden = false;
  document.getElementById("keys-hint").hidden = false;

  function seek(delta) {
    var end = audio.duration || durationMs / 1000;
    audio.currentTime = Math.min(Math.max(0, audio.currentTime + delta), end);
  }
  function toggle() {
    if (audio.paused) {
      var started = audio.play();
      if (started && started.catch) started.catch(function () {});
    } else {
      audio.pause();
    }
  }
  function showState() {
    var playing = !audio.paused;
    play.setAttribute("aria-pressed", playing ? "true" : "false");
    play.querySelector(".icon").textContent = playing ? "❚❚" : "▶";
    play.querySelector(".label").textContent = playing ? play.dataset.pause : play.dataset.play;
  }
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
  function drawWaveform(json) {
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
      height: 64,
      waveColor: "#9aa5b1",
      progressColor: accent,
      cursorColor: accent,
      cursorWidth: 2,
      barWidth: 2,
      barGap: 1,
      barRadius: 1,
      normalize: true,
      dragToSeek: true
    });
    audio.controls = false;
  }
  if (window.WaveSurfer && window.fetch) {
    fetch(workspace.dataset.peaks, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(drawWaveform)
      .catch(function () { /* the native controls stay */ });
  }

  // ---- the checklist -----------------------------------------------------------------------
  function chosen(step) {
    var checked = step.querySelector("input[type=radio]:checked");
    return checked ? checked.value : "";
  }
  function field(step, prefix) {
    return form.elements[prefix + step.dataset.step];
  }

  var progress = document.getElementById("progress");
  var send = document.getElementById("send");
  function refresh() {
    var done = 0;
    steps.forEach(function (step) {
      var verdict = chosen(step);
      if (verdict) done++;
      var needs = verdict === "incorrect" || verdict === "missing";
      field(step, "comment-").required = needs;
      step.querySelector(".required-note").hidden = !needs;
      step.classList.toggle("graded", !!verdict);
    });
    progress.textContent = progress.dataset.template.replace("#", String(done));
    send.disabled = done < steps.length;
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
  steps.forEach(function (step, index) {
    step.addEventListener("focusin", function () { setCurrent(index, false); });
    step.addEventListener("click", function () { setCurrent(index, false); });
    var mark = step.querySelector("[data-mark]");
    mark.hidden = false;
    mark.addEventListener("click", function () { markTime(step); });
  });

  function markTime(step) {
    var seconds = Math.min(audio.currentTime || 0, durationMs / 1000);
    field(step, "at-").value = clock(seconds);
    save();
  }

  function setVerdict(step, verdict) {
    var radio = step.querySelector("input[type=radio][value=" + verdict + "]");
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // ---- the draft ---------------------------------------------------------------------------
  function save() {
    var store = storage();
    if (!store) return;
    var draft = {};
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
    if (!store || workspace.hasAttribute("data-echo")) return;
    var draft;
    try { draft = JSON.parse(store.getItem(draftKey) || "null"); } catch (e) { draft = null; }
    if (!draft) return;
    steps.forEach(function (step) {
      var saved = draft[step.dataset.step];
      if (!saved) return;
      if (VERDICTS.indexOf(saved.verdict) >= 0) {
        step.querySelector("input[type=radio][value=" + saved.verdict + "]").checked = true;
      }
      if (typeof saved.comment === "string") field(step, "comment-").value = saved.comment;
      if (typeof saved.at === "string") field(step, "at-").value = saved.at;
    });
  }

  form.addEventListener("change", function () { refresh(); save(); });
  form.addEventListener("input", save);
  form.addEventListener("submit", function (event) {
    if (send.disabled) event.preventDefault();
    save();
  });

  // ---- keyboard ----------------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target.tagName;
    var typing = tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && target.type !== "radio" && target.type !== "checkbox");
    if (typing) {
      if (event.key === "Escape" && form.contains(target)) {
        event.preventDefault();
        setCurrent(current, true);
      }
      return;
    }
    var key = event.key;
    var handled = true;
    if (key === " " || key === "Spacebar") {
      if (tag === "BUTTON" || tag === "SUMMARY" || tag === "A") return;
      toggle();
    } else if (key === "ArrowLeft") {
      seek(-5);
    } else if (key === "ArrowRight") {
      seek(5);
    } else if (key === "ArrowDown" || key === "j" || key === "J") {
      setCurrent(current + 1, true);
    } else if (key === "ArrowUp" || key === "k" || key === "K") {
      setCurrent(current - 1, true);
    } else if (key === "1" || key === "2" || key === "3") {
      if (!form.contains(target) && target !== document.body) return;
      setVerdict(steps[current], VERDICTS[Number(key) - 1]);
    } else if (key === "m" || key === "M") {
      markTime(steps[current]);
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });

  restore();
  refresh();
  // Start at the first step with a message, else the first without a verdict.
  var firstProblem = steps.findIndex(function (step) { return step.classList.contains("has-problem"); });
  var firstOpen = steps.findIndex(function (step) { return !chosen(step); });
  setCurrent(firstProblem >= 0 ? firstProblem : Math.max(firstOpen, 0), false);
})();
