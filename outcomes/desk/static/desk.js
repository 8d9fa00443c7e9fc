/* The desk's form, improved when JavaScript runs: pickers that search as you
   type, and the loader's messages at each field as you type. Without it the
   same form works: codes are typed comma-separated and the server checks. */
(function () {
  "use strict";
  var form = document.getElementById("scheda");
  if (!form) return;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function anchor(name) {
    return "f-" + name.replace(/[^A-Za-z0-9_-]/g, "-");
  }

  // --- Pickers ---------------------------------------------------------------
  function picker(input) {
    var list = document.getElementById("dl-" + input.dataset.vocabulary);
    if (!list) return;
    var terms = Array.prototype.map.call(list.options, function (o) {
      return { id: o.value, text: o.textContent, folded: fold(o.textContent) };
    });
    var byId = {};
    terms.forEach(function (t) { byId[t.id] = t; });
    var id = input.id;
    var values = input.value.split(/\s*,\s*/).filter(Boolean);
    var box = document.createElement("div");
    box.className = "picker";
    var chips = document.createElement("ul");
    chips.className = "chips";
    chips.setAttribute("aria-label", form.dataset.chosen);
    var search = document.createElement("input");
    search.type = "text";
    search.className = "form-control";
    search.autocomplete = "off";
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-describedby", input.getAttribute("aria-describedby") || "");
    search.placeholder = form.dataset.search;
    var options = document.createElement("ul");
    options.className = "options";
    options.setAttribute("role", "listbox");
    options.id = id + "-options";
    options.hidden = true;
    search.setAttribute("aria-controls", options.id);
    input.id = id + "-value";
    input.type = "hidden";
    input.removeAttribute("list");
    search.id = id;
    box.appendChild(chips);
    box.appendChild(search);
    box.appendChild(options);
    input.parentNode.insertBefore(box, input.nextSibling);
    var active = -1;
    var shown = [];

    function sync() {
      input.value = values.join(", ");
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    function draw() {
      chips.textContent = "";
      values.forEach(function (value, index) {
        var item = document.createElement("li");
        var text = document.createElement("span");
        text.textContent = byId[value] ? byId[value].text : value + " " + form.dataset.unlisted;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "×";
        remove.setAttribute("aria-label", form.dataset.remove + " " + (byId[value] ? byId[value].text : value));
        remove.addEventListener("click", function () {
          values.splice(index, 1);
          draw();
          sync();
          search.focus();
        });
        item.appendChild(text);
        item.appendChild(remove);
        chips.appendChild(item);
      });
    }
    function add(value) {
      value = value.trim();
      if (value && values.indexOf(value) === -1) values.push(value);
      search.value = "";
      close();
      draw();
      sync();
    }
    function close() {
      options.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(options.children, function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        search.setAttribute("aria-activedescendant", options.children[index].id);
        options.children[index].scrollIntoView({ block: "nearest" });
      }
    }
    function open() {
      var query = fold(search.value.trim());
      options.textContent = "";
      if (!query) return close();
      shown = terms.filter(function (t) {
        return values.indexOf(t.id) === -1 && (fold(t.id).indexOf(query) === 0 || t.folded.indexOf(query) !== -1);
      }).slice(0, 12);
      shown.forEach(function (t, i) {
        var li = document.createElement("li");
        li.id = id + "-option-" + i;
        li.setAttribute("role", "option");
        li.textContent = t.text;
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          add(t.id);
        });
        options.appendChild(li);
      });
      options.hidden = shown.length === 0;
      search.setAttribute("aria-expanded", shown.length ? "true" : "false");
      highlight(shown.length ? 0 : -1);
    }
    search.addEventListener("input", open);
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && shown.length) {
        event.preventDefault();
        highlight(Math.min(active + 1, shown.length - 1));
      } else if (event.key === "ArrowUp" && shown.length) {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" || (event.key === "," && search.value.trim())) {
        event.preventDefault();  // never submits the form from here
        if (active >= 0 && !options.hidden) add(shown[active].id);
        else if (search.value.trim()) add(search.value);  // as typed: the check will say if it is wrong
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Backspace" && !search.value && values.length) {
        values.pop();
        draw();
        sync();
      }
    });
    search.addEventListener("blur", function () {
      if (search.value.trim()) add(search.value);
      close();
    });
    draw();
  }
  Array.prototype.forEach.call(form.querySelectorAll("input.codes[data-vocabulary]"), picker);

  // --- Checking as you type ----------------------------------------------------
  var summary = document.getElementById("riepilogo");
  var touched = {};
  var timer = null;
  var sequence = 0;

  function show(errors, items) {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error[id]"), function (element) {
      var name = element.id.replace(/-err$/, "");
      var messages = null;
      Object.keys(errors).forEach(function (key) {
        if (anchor(key) === name) messages = errors[key];
      });
      var field = document.getElementById(name);
      var visible = messages && (touched[name] || !element.hidden);
      element.hidden = !visible;
      element.textContent = visible ? messages.join(" · ") : "";
      if (field) {
        if (visible) field.setAttribute("aria-invalid", "true");
        else field.removeAttribute("aria-invalid");
      }
      var wrapper = element.closest(".field, .count-row");
      if (wrapper) wrapper.classList.toggle("has-error", !!visible);
    });
    if (summary && !summary.hidden) {
      var list = summary.querySelector("ul");
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#" + item.anchor;
        link.textContent = (item.place ? item.place + ": " : "") + item.message;
        li.appendChild(link);
        list.appendChild(li);
      });
      summary.querySelector(".count").textContent = String(items.length);
      if (!items.length) summary.hidden = true;
    }
  }
  function check() {
    var data = new URLSearchParams(new FormData(form));
    data.set("action", "check");
    var mine = ++sequence;
    // form.action would be the button named "action" (a RadioNodeList), not the address.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (result) {
      if (result && mine === sequence) show(result.errors, result.summary);
    }).catch(function () { /* the server checks again on save */ });
  }
  form.addEventListener("input", function (event) {
    if (event.target.id) touched[event.target.id.replace(/-value$/, "")] = true;
    clearTimeout(timer);
    timer = setTimeout(check, 500);
  });
  form.addEventListener("change", function (event) {
    if (event.target.id) touched[event.target.id.replace(/-value$/, "")] = true;
    clearTimeout(timer);
    timer = setTimeout(check, 200);
  });
  // --- Rows added, removed and moved in place ------------------------------------
  // The server saves and sends the whole page back; only the row's group, the
  // messages, the summary and the revision it is based on are taken from it.
  function refresh(fresh, button) {
    ["messaggi", "riepilogo"].forEach(function (id) {
      var old = document.getElementById(id), now = fresh.getElementById(id);
      if (old && now) {
        old.innerHTML = now.innerHTML;
        old.hidden = now.hidden;
      }
    });
    var lead = document.querySelector("p.lead"), freshLead = fresh.querySelector("p.lead");
    if (lead && freshLead) lead.innerHTML = freshLead.innerHTML;
    var base = fresh.querySelector("input[name=base]");
    Array.prototype.forEach.call(document.querySelectorAll("input[name=base]"), function (input) {
      if (base) input.value = base.value;
    });
    var group = button.closest("section.group[id]");
    var freshGroup = group && fresh.getElementById(group.id);
    if (!freshGroup) return;
    group.replaceWith(freshGroup);
    Array.prototype.forEach.call(freshGroup.querySelectorAll("input.codes[data-vocabulary]"), picker);
    var target = document.getElementById((button.getAttribute("formaction") || "").split("#")[1] || "");
    var focus = target && target.matches("fieldset")
      ? target.querySelector("input:not([type=hidden]), select, textarea")
      : freshGroup.querySelector("button.add");
    if (focus) focus.focus();
  }
  var plain = false;
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (plain || !button || !/^(add|remove|up|down):/.test(button.value || "")) return;
    event.preventDefault();
    var data = new URLSearchParams(new FormData(form));
    data.set("action", button.value);
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (text) { refresh(new DOMParser().parseFromString(text, "text/html"), button); })
      .catch(function () {  // a conflict, a limit: the server's whole page says it
        plain = true;
        form.requestSubmit(button);
      });
  });
  if (summary && !summary.hidden && location.hash === "") summary.focus();
})();
