// The quiz timer: counts down from the seconds the server gave, and hands the paper in when time is up.
// The server enforces the deadline itself; this only keeps the deputy informed.
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function start(timer) {
    var form = document.getElementById(timer.dataset.form);
    var ends = Date.now() + parseInt(timer.dataset.remaining, 10) * 1000;
    var submitted = false;
    function tick() {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      timer.textContent = "剩余 " + pad(Math.floor(left / 60)) + ":" + pad(left % 60);
      timer.classList.toggle("urgent", left <= 60);
      if (left === 0 && !submitted && form) {
        submitted = true;
        timer.textContent = "时间到，正在交卷……";
        form.submit();  // not requestSubmit: no confirmation when time is up
        return;
      }
      if (!submitted) window.setTimeout(tick, 500);
    }
    tick();
    if (form) {
      form.addEventListener("submit", function (event) {
        if (submitted) return;
        var blank = 0;
        form.querySelectorAll("[data-question]").forEach(function (fieldset) {
          if (!fieldset.querySelector("input:checked")) blank += 1;
        });
        if (blank && !window.confirm("还有 " + blank + " 题未作答，确定交卷吗？")) {
          event.preventDefault();
          return;
        }
        submitted = true;
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".quiz-timer[data-remaining]").forEach(start);
  });
})();
