/* 枫桥式矛盾纠纷台账 — small progressive enhancements.
 *
 * Loaded synchronously in <head> (no inline scripts: a strict CSP is planned);
 * it only registers document-level listeners, so it needs no DOM-ready wait.
 * Written in plain ES5 so that old phone browsers run it. Every page works
 * without it; it only adds:
 *
 *   - html.no-js -> html.js at once (CSS hides .js-hidden, e.g. the language
 *     form's submit button), and html.no-bootstrap if the Bootstrap bundle did
 *     not load, so the phone menu is shown open instead of stuck closed;
 *   - <select data-autosubmit> submits its form when changed (language switcher);
 *   - data-confirm="问题?" on a <form>, or on a button/link, asks confirm()
 *     first and cancels the submit/click if the user says no.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  root.className = root.className.replace(/(^|\s)no-js(\s|$)/, "$1js$2");

  /* Element.closest() is missing from some old Android WebViews. */
  function closestWithAttribute(node, attribute) {
    while (node && node.nodeType === 1) {
      if (node.hasAttribute(attribute)) {
        return node;
      }
      node = node.parentNode;
    }
    return null;
  }

  /* ---- Bootstrap fallback ---- */
  window.addEventListener("load", function () {
    if (typeof window.bootstrap === "undefined") {
      root.className += " no-bootstrap";
    }
  });

  /* ---- Submit on change (language switcher) ---- */
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.nodeType === 1 && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });

  /* ---- Confirmation prompts ---- */

  // A confirmed button sets this so its form's own data-confirm does not ask twice.
  var confirmedForm = null;

  document.addEventListener("click", function (event) {
    var element = closestWithAttribute(event.target, "data-confirm");
    if (!element || element.tagName === "FORM") {
      return;
    }
    if (element.disabled) {
      return;
    }
    if (!window.confirm(element.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    confirmedForm = element.form || null;
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.tagName !== "FORM" || !form.hasAttribute("data-confirm")) {
      confirmedForm = null;
      return;
    }
    if (confirmedForm === form) {
      confirmedForm = null;
      return;
    }
    confirmedForm = null;
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  /* ---- Print buttons (the agreement document) ---- */
  document.addEventListener("click", function (event) {
    if (closestWithAttribute(event.target, "data-print")) {
      window.print();
    }
  });
})();
