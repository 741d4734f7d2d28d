// Draws the pipeline charts from the JSON the page carries (no inline script: the CSP forbids it).
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const colours = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#6b7280", "#7c3aed", "#0891b2"];
  const common = {responsive: true, maintainAspectRatio: false, animation: false,
                  plugins: {legend: {display: false}}};
  const funnel = document.getElementById("funnel-chart");
  if (funnel) {
    new Chart(funnel, {type: "bar", data: {labels: data.funnel.labels,
      datasets: [{label: "contacts", data: data.funnel.counts, backgroundColor: "#2563eb"}]},
      options: {...common, indexAxis: "y", scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}});
  }
  const reply = document.getElementById("reply-chart");
  if (reply) {
    new Chart(reply, {type: "bar", data: {labels: data.reply.labels,
      datasets: [{label: "replies", data: data.reply.counts, backgroundColor: "#16a34a"}]},
      options: {...common, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}});
  }
  const weekly = document.getElementById("weekly-chart");
  if (weekly) {
    const series = Object.entries(data.weekly.series).map(([label, counts], i) =>
      ({label: label, data: counts, backgroundColor: colours[i % colours.length]}));
    new Chart(weekly, {type: "bar", data: {labels: data.weekly.labels, datasets: series},
      options: {...common, plugins: {legend: {display: true, position: "bottom"}},
                scales: {x: {stacked: true, title: {display: true, text: "week starting"}},
                         y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}}});
  }
})();
