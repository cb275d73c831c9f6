/* uc-mcp views: the view side of the MCP Apps bridge (SEP-1865, protocol 2026-01-26) — JSON-RPC 2.0 over
   postMessage with the host — plus the few DOM helpers every view uses.

   Written for these views rather than vendoring @modelcontextprotocol/ext-apps: its self-contained browser
   bundle is about 540 KB, this is a few KB and only speaks the part of the protocol the views need:
   ui/initialize -> ui/notifications/initialized, tool-input, tool-result, tool-cancelled,
   host-context-changed (theme, style variables), size-changed, ping, ui/resource-teardown, and tools/call /
   ui/update-model-context from the view.

   Untrusted text (everything from a customer record or a tool result) only ever becomes a text node or
   textContent: nothing is parsed as HTML, and no URL is built from data. */
"use strict";
var UC = { views: {} };
(function () {
  var PROTOCOL = "2026-01-26";
  var CALL_META = "uc-mcp/call";
  var host = window.parent;
  var nextId = 1;
  var pending = {};
  var handlers = {};
  var root = document.documentElement;
  var state = { hostContext: {}, toolName: null, toolInput: null };

  function send(message) {
    host.postMessage(message, "*");
  }

  function request(method, params) {
    var id = nextId++;
    return new Promise(function (resolve, reject) {
      pending[id] = { resolve: resolve, reject: reject };
      send({ jsonrpc: "2.0", id: id, method: method, params: params || {} });
    });
  }

  function notify(method, params) {
    send({ jsonrpc: "2.0", method: method, params: params || {} });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== host) return; // only the host talks to a view
    var message = event.data;
    if (!message || message.jsonrpc !== "2.0") return;
    var hasId = message.id !== undefined && message.id !== null;
    if (!message.method) {
      var waiting = hasId ? pending[message.id] : null;
      if (!waiting) return;
      delete pending[message.id];
      if (message.error) waiting.reject(new Error(String(message.error.message || "The host refused the request.")));
      else waiting.resolve(message.result);
      return;
    }
    var handler = handlers[message.method];
    var result = {};
    if (handler) {
      try {
        result = handler(message.params || {}) || {};
      } catch (error) {
        if (hasId) send({ jsonrpc: "2.0", id: message.id, error: { code: -32603, message: String(error) } });
        return;
      }
    }
    if (hasId) {
      if (handler || message.method === "ping") send({ jsonrpc: "2.0", id: message.id, result: result });
      else send({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } });
    }
  });

  /* -- theme ---------------------------------------------------------------------------------------- */

  function applyContext(context) {
    if (!context || typeof context !== "object") return;
    for (var key in context) state.hostContext[key] = context[key];
    if (context.theme === "light" || context.theme === "dark") root.setAttribute("data-theme", context.theme);
    var variables = context.styles && context.styles.variables;
    if (variables && typeof variables === "object") {
      Object.keys(variables).forEach(function (name) {
        var value = variables[name];
        if (/^--[a-z0-9-]+$/.test(name) && typeof value === "string") root.style.setProperty(name, value);
      });
    }
    var tool = context.toolInfo && context.toolInfo.tool;
    if (tool && typeof tool.name === "string") state.toolName = tool.name;
  }

  /* -- size ----------------------------------------------------------------------------------------- */

  var lastSize = "";
  function reportSize() {
    var box = root.getBoundingClientRect(); // the content's size, not the iframe's
    var width = Math.ceil(Math.max(box.width, root.scrollWidth));
    var height = Math.ceil(box.height);
    var size = width + "x" + height;
    if (size === lastSize) return;
    lastSize = size;
    notify("ui/notifications/size-changed", { width: width, height: height });
  }

  /* -- DOM helpers ---------------------------------------------------------------------------------- */

  // h("p", {class: "muted", text: value}, child, ...): every string becomes a text node.
  function h(tag, props) {
    var element = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (name) {
        var value = props[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "text") element.textContent = String(value);
        else if (name === "class") element.className = value;
        else if (name.slice(0, 2) === "on") element.addEventListener(name.slice(2), value);
        else element.setAttribute(name, String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) appendOne(element, arguments[i]);
    return element;
  }

  // append(parent, child, ...): children may be nodes, strings (text nodes), arrays of them, or nothing.
  function append(parent) {
    for (var i = 1; i < arguments.length; i++) appendOne(parent, arguments[i]);
    return parent;
  }

  function appendOne(parent, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (item) { appendOne(parent, item); });
    else if (typeof child === "string" || typeof child === "number") parent.appendChild(document.createTextNode(String(child)));
    else parent.appendChild(child);
  }

  function replace(element) {
    var children = Array.prototype.slice.call(arguments, 1);
    while (element.firstChild) element.removeChild(element.firstChild);
    appendOne(element, children);
    return element;
  }

  function present(value) {
    return value !== null && value !== undefined && value !== "" && !(Array.isArray(value) && !value.length);
  }

  function money(value) {
    var number = typeof value === "number" ? value : Number(value);
    return isFinite(number) && value !== "" && value !== null ? number.toFixed(2) : String(value);
  }

  function day(value) {
    return typeof value === "string" && value.length >= 10 ? value.slice(0, 10) : value;
  }

  function label(name) {
    var text = String(name).replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  // A definition list of the present values: [[label, value], ...].
  function kv(pairs) {
    var list = h("dl", { class: "kv" });
    pairs.forEach(function (pair) {
      if (!present(pair[1])) return;
      append(list, [h("dt", { text: pair[0] }), h("dd", { text: pair[1] })]);
    });
    return list.childNodes.length ? list : null;
  }

  function messageBox(kind, text) {
    return h("div", { class: "message " + kind, role: kind === "error" ? "alert" : "status", text: text });
  }

  /* -- tool results --------------------------------------------------------------------------------- */

  // {ok, data, text, call}: data is the structured result, text its text (an error's message),
  // call = {tool, arguments, cancel?} — which call produced it (uc-mcp's result _meta), when known.
  function unpack(result) {
    result = result || {};
    var text = "";
    (result.content || []).forEach(function (block) {
      if (block && block.type === "text" && typeof block.text === "string") text += block.text;
    });
    var data = result.structuredContent;
    if (!data && !result.isError && text) {
      try { data = JSON.parse(text); } catch (error) { data = null; }
    }
    var meta = result._meta && result._meta[CALL_META];
    var call = meta && typeof meta.tool === "string" ? meta : null;
    if (!call && state.toolName) call = { tool: state.toolName, arguments: state.toolInput || {} };
    return { ok: !result.isError, data: data || {}, text: text, call: call };
  }

  function callTool(name, args) {
    return request("tools/call", { name: name, arguments: args || {} }).then(unpack);
  }

  // Tell the model what the person did in the view (hosts without ui/update-model-context just refuse).
  function tellModel(text) {
    return request("ui/update-model-context", { content: [{ type: "text", text: text }] }).catch(function () {});
  }

  // A button that runs a tool call, shows "Loading…" while it runs and hands the result to done().
  function toolButton(text, name, args, done, props) {
    var button = h("button", props || {}, text);
    button.addEventListener("click", function () {
      button.disabled = true;
      var original = button.textContent;
      button.textContent = "Loading…";
      callTool(name, args).then(
        function (result) {
          button.textContent = original;
          button.disabled = false;
          done(result);
        },
        function (error) {
          button.textContent = original;
          button.disabled = false;
          done({ ok: false, data: {}, text: String(error.message || error), call: null });
        }
      );
    });
    return button;
  }

  function start(view) {
    var app = document.getElementById("app");
    handlers["ui/notifications/tool-input"] = function (params) {
      state.toolInput = params.arguments || {};
    };
    handlers["ui/notifications/tool-input-partial"] = function () {};
    handlers["ui/notifications/tool-result"] = function (params) {
      view.render(app, unpack(params));
    };
    handlers["ui/notifications/tool-cancelled"] = function (params) {
      replace(app, messageBox("info", "The tool call was cancelled" + (params.reason ? ": " + params.reason : ".")));
    };
    handlers["ui/notifications/host-context-changed"] = applyContext;
    handlers["ui/resource-teardown"] = function () { return {}; };
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(reportSize);
      observer.observe(root);
      observer.observe(document.body);
    }
    request("ui/initialize", {
      protocolVersion: PROTOCOL,
      appInfo: { name: "uc-mcp", version: "1" },
      appCapabilities: { availableDisplayModes: ["inline"] },
    }).then(
      function (result) {
        applyContext(result && result.hostContext);
        notify("ui/notifications/initialized", {});
        reportSize();
      },
      function (error) {
        replace(app, messageBox("error", "This view could not connect to its host: " + String(error.message || error)));
      }
    );
  }

  UC.h = h;
  UC.append = append;
  UC.replace = replace;
  UC.present = present;
  UC.money = money;
  UC.day = day;
  UC.label = label;
  UC.kv = kv;
  UC.messageBox = messageBox;
  UC.callTool = callTool;
  UC.tellModel = tellModel;
  UC.toolButton = toolButton;
  UC.start = start;
})();
