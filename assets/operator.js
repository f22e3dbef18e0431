// Call pages (the operator's, and the owner's reviews side by side): the marks on the bar
// under the player and the "play from" links seek the page's own player instead of opening
// the audio file, and a playhead follows playback.
// Without JavaScript the links still open the recording at that time.
(function () {
  "use strict";
  var audio = document.getElementById("op-audio");
  if (!audio) return;
  var bar = document.getElementById("op-markers");
  var head = document.getElementById("op-playhead");
  var durationMs = bar ? Number(bar.dataset.durationMs) || 0 : 0;

  function playFrom(seconds) {
    var start = function () {
      audio.currentTime = seconds;
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () {});
    };
    if (audio.readyState >= 1) start();
    else {
      audio.addEventListener("loadedmetadata", start, { once: true });
      audio.load();
    }
    audio.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-seek]") : null;
    if (!link) return;
    var seconds = Number(link.dataset.seek);
    if (!isFinite(seconds)) return;
    event.preventDefault();
    playFrom(seconds);
  });

  if (head) {
    audio.addEventListener("timeupdate", function () {
      var total = audio.duration || durationMs / 1000;
      if (!total) return;
      head.style.width = Math.min(100, (audio.currentTime / total) * 100) + "%";
    });
  }
})();
