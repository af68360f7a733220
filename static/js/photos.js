// Photos on the phone, before they are kept or sent: the original's EXIF capture time and
// GPS position are read here (a JPEG's APP1 segment), then the picture is drawn on a canvas
// at most MAX_SIDE pixels on its long side and encoded as JPEG, which drops all metadata, so
// the EXIF read here travels beside it ("photo_exif" of the visit). What the browser cannot
// draw (HEIC in Chromium) is sent as it is, and the server reads its EXIF itself.
(function () {
  "use strict";
  var MAX_SIDE = 1600;  // the server stores at most 1600 px (and accepts up to 2048 from here)
  var QUALITY = 0.7;

  // ---- EXIF ----------------------------------------------------------------------------------
  var TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8};

  function Tiff(view, start, length) {
    this.view = view;
    this.start = start;
    this.end = start + length;
    var order = view.getUint16(start);
    if (order !== 0x4949 && order !== 0x4D4D) { throw new Error("not TIFF"); }
    this.little = order === 0x4949;
    if (this.u16(2) !== 42) { throw new Error("not TIFF"); }
  }
  Tiff.prototype.check = function (offset, size) {
    if (offset < 0 || this.start + offset + size > this.end) { throw new Error("out of bounds"); }
  };
  Tiff.prototype.u16 = function (offset) {
    this.check(offset, 2);
    return this.view.getUint16(this.start + offset, this.little);
  };
  Tiff.prototype.u32 = function (offset) {
    this.check(offset, 4);
    return this.view.getUint32(this.start + offset, this.little);
  };
  // The entries of the IFD at `offset`: tag -> {type, count, at (where the value is)}.
  Tiff.prototype.ifd = function (offset) {
    var count = this.u16(offset);
    if (count > 1000) { throw new Error("too many entries"); }
    var entries = {};
    for (var i = 0; i < count; i++) {
      var at = offset + 2 + i * 12;
      var type = this.u16(at + 2);
      var n = this.u32(at + 4);
      var size = (TYPE_SIZE[type] || 1) * n;
      entries[this.u16(at)] = {type: type, count: n, at: size <= 4 ? at + 8 : this.u32(at + 8)};
    }
    return entries;
  };
  Tiff.prototype.ascii = function (entry) {
    if (!entry || entry.type !== 2 || entry.count > 256) { return null; }
    this.check(entry.at, entry.count);
    var out = "";
    for (var i = 0; i < entry.count; i++) {
      var c = this.view.getUint8(this.start + entry.at + i);
      if (c === 0) { break; }
      out += String.fromCharCode(c);
    }
    return out;
  };
  Tiff.prototype.rationals = function (entry, n) {
    if (!entry || entry.type !== 5 || entry.count < n) { return null; }
    var out = [];
    for (var i = 0; i < n; i++) {
      var den = this.u32(entry.at + i * 8 + 4);
      if (den === 0) { return null; }
      out.push(this.u32(entry.at + i * 8) / den);
    }
    return out;
  };

  function takenAt(tiff, exifIfd) {
    var raw = tiff.ascii(exifIfd[0x9003]);  // DateTimeOriginal "YYYY:MM:DD HH:MM:SS"
    var m = raw && /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(raw);
    if (!m || +m[1] < 1990 || +m[2] < 1 || +m[2] > 12 || +m[3] < 1 || +m[3] > 31 ||
        +m[4] > 23 || +m[5] > 59 || +m[6] > 59) { return null; }
    var offset = tiff.ascii(exifIfd[0x9011]);  // OffsetTimeOriginal "+08:00"
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":" + m[6] +
      (offset && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : "");
  }

  function degrees(tiff, gps, refTag, valueTag, negative, limit) {
    var dms = tiff.rationals(gps[valueTag], 3);
    var ref = tiff.ascii(gps[refTag]);
    if (!dms || !ref) { return null; }
    var value = dms[0] + dms[1] / 60 + dms[2] / 3600;
    if (ref.charAt(0).toUpperCase() === negative) { value = -value; }
    return isFinite(value) && Math.abs(value) <= limit ? Math.round(value * 1e7) / 1e7 : null;
  }

  // {taken_at, lat, lon} (each only when found and sound) from a JPEG's bytes, or null.
  function readExif(buffer) {
    var view = new DataView(buffer);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xFFD8) { return null; }
    var offset = 2;
    while (offset + 4 <= view.byteLength) {
      if (view.getUint8(offset) !== 0xFF) { return null; }
      var marker = view.getUint8(offset + 1);
      if (marker === 0xFF) { offset += 1; continue; }  // fill byte
      if (marker === 0xDA || marker === 0xD9) { return null; }  // image data: no EXIF before it
      var length = view.getUint16(offset + 2);
      if (length < 2) { return null; }
      if (marker === 0xE1 && length >= 16 && offset + 10 <= view.byteLength &&
          view.getUint32(offset + 4) === 0x45786966 && view.getUint16(offset + 8) === 0) {
        try {
          return parseExif(new Tiff(view, offset + 10,
                                    Math.min(length - 8, view.byteLength - offset - 10)));
        } catch (ignore) { return null; }
      }
      offset += 2 + length;
    }
    return null;
  }

  function parseExif(tiff) {
    var ifd0 = tiff.ifd(tiff.u32(4));
    var found = {};
    if (ifd0[0x8769]) {
      try {
        var when = takenAt(tiff, tiff.ifd(tiff.u32(ifd0[0x8769].at)));
        if (when) { found.taken_at = when; }
      } catch (ignore) { /* a broken EXIF IFD: no time */ }
    }
    if (ifd0[0x8825]) {
      try {
        var gps = tiff.ifd(tiff.u32(ifd0[0x8825].at));
        var lat = degrees(tiff, gps, 1, 2, "S", 90);
        var lon = degrees(tiff, gps, 3, 4, "W", 180);
        if (lat !== null && lon !== null && (lat !== 0 || lon !== 0)) {
          found.lat = lat;
          found.lon = lon;
        }
      } catch (ignore) { /* a broken GPS IFD: no position */ }
    }
    return found.taken_at || found.lat !== undefined ? found : null;
  }

  // ---- Shrinking -----------------------------------------------------------------------------
  function readBuffer(file) {
    if (file.arrayBuffer) { return file.arrayBuffer(); }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(file);
    });
  }

  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, {imageOrientation: "from-image"});
    }
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("undecodable")); };
      img.src = url;
    });
  }

  function isJpeg(buffer) {
    var b = new Uint8Array(buffer, 0, Math.min(3, buffer.byteLength));
    return b.length === 3 && b[0] === 0xFF && b[1] === 0xD8 && b[2] === 0xFF;
  }

  function jpegName(name, index) {
    var base = (name || "").replace(/\.[^.]*$/, "") || "photo-" + (index + 1);
    return base + ".jpg";
  }

  // One photo -> {file, exif, original_bytes, shrunk}.
  function prepare(file, index) {
    return readBuffer(file).then(function (buffer) {
      var exif = null;
      try { exif = isJpeg(buffer) ? readExif(buffer) : null; } catch (ignore) { exif = null; }
      return decode(file).then(function (image) {
        var width = image.width, height = image.height;
        var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(width * scale));
        canvas.height = Math.max(1, Math.round(height * scale));
        var context = canvas.getContext("2d");
        context.fillStyle = "#fff";  // transparency becomes white, as on the server
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        if (image.close) { image.close(); }
        return new Promise(function (resolve) {
          canvas.toBlob(resolve, "image/jpeg", QUALITY);
        }).then(function (blob) {
          // A JPEG already small enough that the canvas copy is no smaller goes as it is,
          // EXIF and all; so does anything the canvas could not encode.
          if (!blob || (scale === 1 && isJpeg(buffer) && file.size <= blob.size)) {
            return {file: file, exif: exif, original_bytes: file.size, shrunk: false};
          }
          var name = jpegName(file.name, index);
          var shrunk = window.File ? new File([blob], name, {type: "image/jpeg"}) : blob;
          if (!shrunk.name) { shrunk.name = name; }
          return {file: shrunk, exif: exif, original_bytes: file.size, shrunk: true};
        });
      }, function () {
        // Not drawable here (HEIC in Chromium): as it is.
        return {file: file, exif: exif, original_bytes: file.size, shrunk: false};
      });
    });
  }

  window.checkinPhotos = {
    readExif: readExif,
    prepare: function (files) {
      return Promise.all(Array.prototype.map.call(files, prepare));
    },
    MAX_SIDE: MAX_SIDE
  };
})();
