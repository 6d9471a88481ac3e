/* Photo forms on a slow phone connection (report, 处置, 核查, the resident's report).

   A phone photo is 2–5 MB; on 3G (250 kbit/s up) that is over a minute. Before sending, each
   chosen image is decoded, scaled so its longest side is at most 1600 px and re-encoded as JPEG
   (quality 0.8): a few hundred KB at most, and the EXIF block (with its GPS position) is gone.
   The server still checks and resizes every file (cases/photos.py): this is only about speed.

   The form is then sent with XMLHttpRequest so the progress can be shown; the submit button is
   disabled while sending. The server's answer replaces the page exactly as a normal submit would
   (its redirect is followed). On a refusal the page stays, with what was typed and the chosen
   photos, and shows the server's reasons; if the network fails the page stays as it was. Without images chosen the form submits normally. */
(function () {
  "use strict";
  var MAX_SIDE = 1600, QUALITY = 0.8;
  if (!window.FormData || !window.XMLHttpRequest || !HTMLCanvasElement.prototype.toBlob) return;

  function imageInputs(form) {
    return Array.prototype.filter.call(form.querySelectorAll("input[type=file]"), function (i) {
      return /image/.test(i.accept || "") && i.files && i.files.length;
    });
  }

  function decode(file) {
    if (window.createImageBitmap) {
      // from-image: honour the EXIF orientation before it is dropped with the rest of EXIF.
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () { return createImageBitmap(file); });
    }
    return new Promise(function (resolve, reject) {
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }

  // A smaller JPEG of file, or the file itself when it cannot be decoded here (the server decides).
  function shrink(file) {
    if (!/^image\//.test(file.type)) return Promise.resolve(file);
    return decode(file).then(function (img) {
      var w = img.width, h = img.height, scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      if (scale === 1 && file.size < 400 * 1024) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      var ctx = canvas.getContext("2d");
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      if (img.close) img.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]+$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function kb(n) { return Math.round(n / 1024) + " KB"; }

  function statusBox(form, button) {
    var box = form.querySelector(".upload-status");
    if (!box) {
      box = document.createElement("div");
      box.className = "upload-status";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      box.innerHTML = '<progress max="100" value="0"></progress> <span class="upload-text"></span>';
      (button && button.parentNode === form ? button : form.lastElementChild).insertAdjacentElement("afterend", box);
    }
    box.hidden = false;
    return { bar: box.querySelector("progress"), text: box.querySelector(".upload-text"), box: box };
  }

  function errorFrom(html, status) {
    var doc = new DOMParser().parseFromString(html || "", "text/html");
    var el = doc.querySelector(".messages .msg-error, [role=alert], .error, .messages li");
    var msg = el ? el.textContent.trim() : "";
    return msg || ("提交失败（" + status + "），请稍后重试。");
  }

  function send(form, button) {
    var ui = statusBox(form, button);
    var label = button ? button.textContent : "";
    if (button) { button.disabled = true; button.textContent = "正在处理照片…"; }
    ui.bar.removeAttribute("value");
    ui.text.textContent = "正在压缩照片…";
    var data = new FormData(form);
    var inputs = imageInputs(form);
    var jobs = inputs.map(function (input) {
      return Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
        data.delete(input.name);
        files.forEach(function (f) { data.append(input.name, f, f.name); });
        return files;
      });
    });
    function restore() { if (button) { button.disabled = false; button.textContent = label; } }
    Promise.all(jobs).then(function () {
      var xhr = new XMLHttpRequest();
      // getAttribute, not form.action: the case forms have an <input name="action">, which shadows it.
      var target = new URL(form.getAttribute("action") || "", window.location.href).toString();
      xhr.open((form.getAttribute("method") || "POST").toUpperCase(), target);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      if (button) button.textContent = "正在上传…";
      ui.bar.value = 0;
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) return;
        ui.bar.value = Math.round(e.loaded / e.total * 100);
        ui.text.textContent = "正在上传 " + ui.bar.value + "%（" + kb(e.loaded) + " / " + kb(e.total) + "）";
      };
      xhr.upload.onload = function () { ui.bar.value = 100; ui.text.textContent = "已上传，等待服务器处理…"; };
      xhr.onload = function () {
        if (xhr.status < 300) {
          // Show the server's page as a normal submit would: usually the case after its redirect.
          if (xhr.responseURL) history.replaceState(null, "", xhr.responseURL);
          document.open();
          document.write(xhr.responseText);
          document.close();
          return;
        }
        // Refused (400): this page stays, with what was typed and the chosen photos, and shows the
        // server's reasons; a photo the server refused itself is named to be chosen again.
        restore();
        ui.bar.value = 0;
        var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
        var reason = errorFrom(xhr.responseText, xhr.status);
        var photoRefused = /照片|图片/.test(reason);
        ui.text.textContent = reason + " 已填写的内容和所选照片仍保留。";
        ui.text.className = "upload-text error";
        var serverMessages = doc.querySelector(".messages"), here = document.querySelector(".messages");
        if (serverMessages) {
          var copy = document.importNode(serverMessages, true);
          if (here) here.replaceWith(copy);
          else { var main = document.querySelector("main"); if (main) main.insertBefore(copy, main.firstChild); }
        }
        ui.box.querySelectorAll(".files-again").forEach(function (el) { el.remove(); });
        var again = photoRefused && doc.querySelector(".files-again");
        if (again) ui.box.appendChild(document.importNode(again, true));
      };
      xhr.onerror = function () {
        restore();
        ui.text.textContent = "网络中断，未能提交。已填写的内容和照片仍保留，请重试。";
        ui.text.className = "upload-text error";
      };
      xhr.send(data);
    });
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || e.defaultPrevented) return;
    var button = e.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (!imageInputs(form).length) {
      // Nothing to shrink: a normal submit, but one tap only.
      if (button) setTimeout(function () { button.disabled = true; button.dataset.cgDisabled = "1"; }, 0);
      return;
    }
    e.preventDefault();
    send(form, button);
  });
  // Back from the next page: buttons disabled above must work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[data-cg-disabled]").forEach(function (b) { b.disabled = false; delete b.dataset.cgDisabled; });
  });
})();
