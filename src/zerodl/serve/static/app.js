// zerodl serve: draw on a canvas, send it as a PNG to /api/predict, show what comes back.
// The server does all the preprocessing (the same code as `zerodl predict`); this page only
// draws, scales a picture from a file down to what the server reads, sends and shows. Its words
// come from t(key) of i18n.js, in English or Japanese.
"use strict";

const pad = document.getElementById("pad");
const pen = pad.getContext("2d");
const preview = document.getElementById("preview");
const bars = document.getElementById("bars");
const statusLine = document.getElementById("status");
const mapsPanel = document.getElementById("maps-panel");
const mapsBox = document.getElementById("maps");
const fileInput = document.getElementById("file");

const LINE_WIDTH = 20; // on the 280x280 canvas: about MNIST's stroke once fitted to 20x20
// A picture from a file is scaled down here to at most this many pixels on its longer side
// before it is sent (the digit ends up 20 pixels high), and smaller again until it fits the
// server's body limit: a phone's photo is several MB, the server reads 64 KiB.
const SEND_SIDE = 560;

let model = null; // GET /api/model
let sequence = 0; // each request's number: an answer older than the last request is dropped
let drawing = false;
let last = null;
let saying = () => t("start"); // what the status line says, said again in a new language

// --- the model -----------------------------------------------------------------------------

async function loadModel() {
  try {
    const response = await fetch("/api/model");
    model = await response.json();
  } catch (err) {
    say(() => t("no_answer"), true);
    return;
  }
  describeModel();
  buildBars(model.classes);
  clearAll(false);
}

function describeModel() {
  const parameters = model.parameters.toLocaleString(language);
  document.getElementById("model").textContent = t("model", { ...model, parameters });
  if (model.dataset !== "mnist") {
    document.getElementById("title").textContent = t("title_dataset", { dataset: model.dataset });
  }
}

function buildBars(classes) {
  bars.replaceChildren();
  classes.forEach((name) => {
    const row = document.createElement("li");
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = name;
    const track = document.createElement("span");
    track.className = "track";
    track.setAttribute("aria-hidden", "true");
    const fill = document.createElement("span");
    fill.className = "fill";
    track.append(fill);
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = "–";
    row.append(label, track, value);
    bars.append(row);
  });
}

// --- drawing -------------------------------------------------------------------------------

function blankPad() {
  pen.fillStyle = "#fff";
  pen.fillRect(0, 0, pad.width, pad.height);
}

function toPad(event) {
  const box = pad.getBoundingClientRect();
  return {
    x: ((event.clientX - box.left) * pad.width) / box.width,
    y: ((event.clientY - box.top) * pad.height) / box.height,
  };
}

function strokeTo(point) {
  pen.strokeStyle = "#000";
  pen.lineWidth = LINE_WIDTH;
  pen.lineCap = "round";
  pen.lineJoin = "round";
  pen.beginPath();
  pen.moveTo(last.x, last.y);
  pen.lineTo(point.x, point.y);
  pen.stroke();
  last = point;
}

pad.addEventListener("pointerdown", (event) => {
  if (event.pointerType === "mouse" && event.button !== 0) return;
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  drawing = true;
  last = toPad(event);
  strokeTo(last); // a dot, for a tap
});

pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  for (const each of events.length ? events : [event]) strokeTo(toPad(each));
});

function endStroke() {
  if (!drawing) return;
  drawing = false;
  pad.toBlob((blob) => predict(blob, "drawing.png"), "image/png");
}

pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);
pad.addEventListener("lostpointercapture", endStroke);

// --- an image file, dropped or opened ------------------------------------------------------

async function readFile(file) {
  if (!file) return;
  if (!["image/png", "image/jpeg"].includes(file.type)) {
    clearAnswer();
    say(() => t("not_an_image", { name: file.name }), true);
    return;
  }
  let bitmap = null;
  try {
    bitmap = await createImageBitmap(file); // upright, as its EXIF orientation says
  } catch (err) {
    // the browser cannot decode it; the server still says what it makes of it
  }
  if (!bitmap) {
    predict(file, file.name);
    return;
  }
  // show it on the canvas, fitted, so that one can draw over it
  const scale = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
  const w = bitmap.width * scale;
  const h = bitmap.height * scale;
  blankPad();
  pen.drawImage(bitmap, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
  const small = await scaledDown(bitmap, file.type);
  predict(small || file, file.name);
}

// The bitmap as a PNG or JPEG (as the file was) of at most SEND_SIDE pixels on its longer
// side, smaller until it fits the server's limit; null if even 28 pixels do not fit.
async function scaledDown(bitmap, type) {
  const limit = model ? model.limits.max_body_bytes - 1024 : 63 * 1024;
  let side = Math.min(SEND_SIDE, Math.max(bitmap.width, bitmap.height));
  while (side >= 28) {
    const scale = side / Math.max(bitmap.width, bitmap.height);
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((done) => canvas.toBlob(done, type, 0.9));
    if (blob && blob.size <= limit) return blob;
    side = Math.floor(side * 0.7);
  }
  return null;
}

document.addEventListener("dragover", (event) => {
  event.preventDefault();
  document.body.classList.add("dragging");
});
document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
document.addEventListener("drop", (event) => {
  event.preventDefault(); // not: open the file in place of the page
  document.body.classList.remove("dragging");
  readFile(event.dataTransfer.files[0]);
});
fileInput.addEventListener("change", () => {
  readFile(fileInput.files[0]);
  fileInput.value = "";
});

// --- asking the server ---------------------------------------------------------------------

async function predict(blob, name) {
  if (!model) return;
  if (blob.size > model.limits.max_body_bytes - 1024) {
    const kib = Math.round(model.limits.max_body_bytes / 1024);
    clearAnswer();
    const size = Math.round(blob.size / 1024);
    say(() => t("too_big", { name, size, limit: kib }), true);
    return;
  }
  const id = ++sequence;
  const form = new FormData();
  form.append("image", blob, name);
  bars.setAttribute("aria-busy", "true");
  let response;
  let answer;
  try {
    const maps = model.feature_maps ? "true" : "false";
    response = await fetch(`/api/predict?feature_maps=${maps}`, { method: "POST", body: form });
    answer = await response.json();
  } catch (err) {
    if (id === sequence) say(() => t("no_answer"), true);
    return;
  } finally {
    if (id === sequence) bars.removeAttribute("aria-busy");
  }
  if (id !== sequence) return; // a newer drawing is on its way
  if (!response.ok) {
    clearAnswer(); // the answer on screen was for the previous picture
    say(() => t("unreadable", { error: answer.error }), true);
    return;
  }
  show(answer);
}

// --- showing the answer --------------------------------------------------------------------

function show(answer) {
  const probs = answer.probabilities;
  const top = answer.prediction;
  [...bars.children].forEach((row, k) => {
    row.classList.toggle("top", k === top);
    row.querySelector(".fill").style.width = `${(probs[k] * 100).toFixed(1)}%`;
    row.querySelector(".value").textContent = percent(probs[k]);
  });
  const name = model.classes[top];
  const sure = probs[top] >= 0.5;
  say(() => t("reads", { name, percent: percent(probs[top]) }) + (sure ? "" : t("unsure")));
  drawGrey(preview, answer.input, 28, 28, false);
  if (answer.feature_maps) showMaps(answer.feature_maps);
}

function percent(p) {
  return `${(p * 100).toFixed(1)}%`;
}

function say(words, isError = false) {
  saying = words;
  statusLine.textContent = words();
  statusLine.classList.toggle("error", isError);
}

// values (H*W, row by row) as grey pixels on a canvas; stretched to their own range if asked
function drawGrey(canvas, values, height, width, stretch) {
  let low = 0;
  let high = 1;
  if (stretch) {
    low = Math.min(...values);
    high = Math.max(...values);
  }
  const range = high > low ? high - low : 1;
  const image = canvas.getContext("2d").createImageData(width, height);
  values.forEach((v, i) => {
    const grey = Math.round((Math.min(Math.max((v - low) / range, 0), 1)) * 255);
    image.data.set([grey, grey, grey, 255], i * 4);
  });
  canvas.getContext("2d").putImageData(image, 0, 0);
}

function showMaps(maps) { // maps (FN, OH, OW)
  const height = maps[0].length;
  const width = maps[0][0].length;
  if (mapsBox.children.length !== maps.length) {
    mapsBox.replaceChildren();
    maps.forEach((_, k) => {
      const figure = document.createElement("figure");
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      canvas.setAttribute("aria-hidden", "true");
      const caption = document.createElement("figcaption");
      caption.textContent = t("filter", { number: k + 1 });
      figure.append(canvas, caption);
      mapsBox.append(figure);
    });
  }
  maps.forEach((map, k) => drawGrey(mapsBox.children[k].firstChild, map.flat(), height, width, true));
  mapsPanel.hidden = false;
}

function clearAll(announce = true) {
  sequence += 1; // answers still on their way are for a drawing that is gone
  blankPad();
  clearAnswer();
  if (announce) say(() => t("cleared"));
}

// the bars, the input the network saw and the feature maps back to empty
function clearAnswer() {
  [...bars.children].forEach((row) => {
    row.classList.remove("top");
    row.querySelector(".fill").style.width = "0";
    row.querySelector(".value").textContent = "–";
  });
  drawGrey(preview, new Array(28 * 28).fill(0), 28, 28, false);
  mapsBox.replaceChildren();
  mapsPanel.hidden = true;
}

document.addEventListener("zerodl:language", () => { // the switch: rewrite what this file wrote
  if (model) describeModel();
  statusLine.textContent = saying();
  mapsBox.querySelectorAll("figcaption").forEach((caption, k) => {
    caption.textContent = t("filter", { number: k + 1 });
  });
});

document.getElementById("clear").addEventListener("click", () => clearAll(true));

blankPad();
loadModel();
