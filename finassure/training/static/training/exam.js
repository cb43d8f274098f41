// Count down the exam's remaining time; the server enforces the limit, this only informs.
(function () {
  var el = document.getElementById("exam-timer");
  if (!el) { return; }
  var left = parseInt(el.getAttribute("data-remaining"), 10) || 0;
  function tick() {
    var m = Math.floor(left / 60), s = left % 60;
    el.textContent = " " + m + ":" + (s < 10 ? "0" : "") + s;
    if (left > 0) { left -= 1; window.setTimeout(tick, 1000); }
  }
  tick();
})();
