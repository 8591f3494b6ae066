/* 枫桥式矛盾纠纷台账 — "添加当事人" on the registration form, in place.
 *
 * The page works without this file: the button is a submit button named add_party
 * and the server answers with the same form and one more party block. With it, the
 * click copies the formset's blank block (<template id="party-empty-form">, Django's
 * empty_form), numbers it and raises TOTAL_FORMS; a block added this way can be
 * removed again, and the blocks after it are renumbered so the formset's indexes
 * stay 0..TOTAL_FORMS-1 as Django expects. Plain ES5, no inline script (strict CSP).
 */
(function () {
  "use strict";

  function container() {
    return document.querySelector("[data-party-forms]");
  }

  function totalInput(prefix) {
    return document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  }

  function maxForms(prefix) {
    var input = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    return input ? parseInt(input.value, 10) : 1000;
  }

  /* Rewrite "<prefix>-<n>-" in names, ids and labels, and the block's number. */
  function renumber(block, prefix, index) {
    var pattern = new RegExp(prefix + "-(\\d+|__prefix__)-", "g");
    var replacement = prefix + "-" + index + "-";
    var elements = block.querySelectorAll("[name], [id], [for], [aria-describedby]");
    var attributes = ["name", "id", "for", "aria-describedby"];
    for (var i = 0; i < elements.length; i++) {
      for (var j = 0; j < attributes.length; j++) {
        var value = elements[i].getAttribute(attributes[j]);
        if (value) {
          elements[i].setAttribute(attributes[j], value.replace(pattern, replacement));
        }
      }
    }
    var number = block.querySelector("[data-party-number]");
    if (number) {
      number.textContent = String(index + 1);
    }
  }

  function addBlock(event) {
    var forms = container();
    var template = document.getElementById("party-empty-form");
    if (!forms || !template) {
      return; // let the button submit: the server adds the block
    }
    var prefix = forms.getAttribute("data-prefix");
    var total = totalInput(prefix);
    var count = parseInt(total.value, 10);
    if (count >= maxForms(prefix)) {
      return; // the server says why no more can be added
    }
    event.preventDefault();
    var html = template.innerHTML
      .replace(/__prefix__/g, String(count))
      .replace(/__number__/g, '<span data-party-number>' + (count + 1) + "</span>");
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var block = holder.querySelector("[data-party-form]");
    forms.appendChild(block);
    total.value = String(count + 1);
    var first = block.querySelector("select, input:not([type=hidden])");
    if (first) {
      first.focus();
    }
  }

  function removeBlock(button) {
    var forms = container();
    var block = button;
    while (block && !(block.hasAttribute && block.hasAttribute("data-party-form"))) {
      block = block.parentNode;
    }
    if (!forms || !block) {
      return;
    }
    var prefix = forms.getAttribute("data-prefix");
    forms.removeChild(block);
    var blocks = forms.querySelectorAll("[data-party-form]");
    for (var i = 0; i < blocks.length; i++) {
      renumber(blocks[i], prefix, i);
    }
    totalInput(prefix).value = String(blocks.length);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || target.nodeType !== 1) {
      return;
    }
    if (target.hasAttribute("data-add-party")) {
      addBlock(event);
    } else if (target.hasAttribute("data-remove-party")) {
      event.preventDefault();
      removeBlock(target);
    }
  });
})();
