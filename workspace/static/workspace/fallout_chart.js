// Draws the fallout rate per offering from the JSON the dashboard embeds.
(function () {
  function draw() {
    var source = document.getElementById("fallout-rate-data");
    var canvas = document.getElementById("fallout-rate-chart");
    if (!source || !canvas || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "line",
      data: data,
      options: {
        responsive: true,
        animation: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: "fallouts per 100 lines" } } },
      },
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
