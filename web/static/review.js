// The review queue refreshes itself every 5 s (htmx polling) — but not while a draft is being
// edited, so a poll never throws away what someone is typing. (A listener, not an hx-trigger
// filter: filters need eval, which the page's Content-Security-Policy forbids.)
document.body.addEventListener("htmx:beforeRequest", function (event) {
  if (event.detail.elt.id === "queue" && document.querySelector(".editing")) {
    event.preventDefault();
  }
});
