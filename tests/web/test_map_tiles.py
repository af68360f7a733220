"""Maps default to Tianditu (vector and annotation layers, the key from TIANDITU_KEY);
OpenStreetMap or other tiles only when MAP_TILES says so; points and fences are drawn in
the tiles' own system (shifted to GCJ-02 on the server for AMap or Tencent tiles)."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from checkin import db
from checkin.domain import coordinates
from checkin.maps import check_tiles, on_tiles, tile_origins, tiles_of
from checkin.models import Village


@pytest.mark.parametrize(("config", "layers", "system", "missing"), [
    ({}, 0, "cgcs2000", "no_key"),
    ({"MAP_TILES": "tianditu", "TIANDITU_KEY": ""}, 0, "cgcs2000", "no_key"),
    ({"MAP_TILES": "tianditu", "TIANDITU_KEY": "abc"}, 2, "cgcs2000", ""),
    ({"MAP_TILES": "osm"}, 1, "wgs84", ""),
    ({"MAP_TILES": "none", "TIANDITU_KEY": "abc"}, 0, "wgs84", "off"),
    ({"MAP_TILES": "https://wprd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=7",
      "MAP_TILES_SYSTEM": "gcj02"}, 1, "gcj02", ""),
])
def test_the_tile_source_the_settings_name(config, layers, system, missing) -> None:
    tiles = tiles_of(config)
    assert (len(tiles.layers), tiles.system, tiles.missing) == (layers, system, missing)


def test_a_custom_template_takes_its_subdomains() -> None:
    tiles = tiles_of({"MAP_TILES": "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}",
                      "MAP_TILES_SYSTEM": "gcj02", "MAP_TILES_SUBDOMAINS": "1234"})
    assert tiles.subdomains == "1234" and tiles.system == "gcj02"
    assert tiles_of({"MAP_TILES": "https://{s}.tiles.example.org/{z}/{x}/{y}.png"}).subdomains \
        == "abc"


def test_tianditu_is_its_vector_map_and_annotation_with_the_key() -> None:
    tiles = tiles_of({"TIANDITU_KEY": "k&y"})
    vec, cva = tiles.layers
    assert vec.startswith("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS")
    assert "LAYER=vec" in vec and "LAYER=cva" in cva and "/cva_w/wmts" in cva
    assert all("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in url for url in tiles.layers)
    assert all(url.endswith("tk=k%26y") for url in tiles.layers)  # the key cannot add fields
    assert tiles.subdomains == "01234567" and "天地图" in tiles.attribution
    assert tile_origins({"TIANDITU_KEY": "k"}) == ["https://*.tianditu.gov.cn"]
    assert tile_origins({}) == []  # no key: no tiles, no host let in


@pytest.mark.parametrize(("config", "wrong"), [
    ({"MAP_TILES": "tianditu"}, False),
    ({"MAP_TILES": "osm"}, False),
    ({"MAP_TILES": "https://tiles.example.org/{z}/{x}/{y}.png"}, False),
    ({"MAP_TILES": "gaode"}, True),
    ({"MAP_TILES": "https://tiles.example.org/tile.png"}, True),
    ({"MAP_TILES": "javascript:alert(1)/{z}/{x}/{y}"}, True),
    ({"MAP_TILES": "https://tiles.example.org/{z}/{x}/{y}.png", "MAP_TILES_SYSTEM": "bd09"},
     True),
])
def test_map_settings_that_cannot_work_stop_the_start(config, wrong) -> None:
    assert (check_tiles(config) is not None) == wrong


@pytest.mark.parametrize("system", ["wgs84", "cgcs2000"])
def test_on_tianditu_and_osm_points_are_drawn_as_stored(system) -> None:
    data = {"fences": [{"name": "v", "lat": 30.8, "lon": 116.3, "radius_m": 1500,
                        "shape": [[[[30.8, 116.3], [30.9, 116.3], [30.9, 116.4], [30.8, 116.3]]]]}],
            "marks": [{"lat": 30.81, "lon": 116.31, "ok": True, "label": "x"}]}
    assert on_tiles(data, system) == data


def test_on_gcj02_tiles_points_and_vertices_are_shifted_to_gcj02() -> None:
    data = {"fences": [{"name": "v", "lat": 30.8, "lon": 116.3, "radius_m": 1500,
                        "shape": [[[[30.8, 116.3], [30.9, 116.3], [30.9, 116.4], [30.8, 116.3]]]]}],
            "marks": [{"lat": 30.81, "lon": 116.31, "ok": True, "label": "x"}]}
    drawn = on_tiles(data, "gcj02")
    fence, mark = drawn["fences"][0], drawn["marks"][0]
    want = coordinates.wgs84_to_gcj02(30.8, 116.3)
    assert (fence["lat"], fence["lon"]) == pytest.approx(want, abs=1e-7)
    assert fence["shape"][0][0][0] == pytest.approx(list(want), abs=1e-7)
    assert (mark["lat"], mark["lon"]) == pytest.approx(coordinates.wgs84_to_gcj02(30.81, 116.31),
                                                       abs=1e-7)
    assert fence["radius_m"] == 1500 and data["marks"][0]["lat"] == 30.81  # input untouched


def _map_json(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page,
                      re.S)
    assert found, "no map data on the page"
    return json.loads(found.group(1))


def test_the_today_map_on_amap_tiles_gets_gcj02_points(app: Flask, client: FlaskClient,
                                                        world, login, make_checkin) -> None:
    make_checkin("cadre_a")
    app.config.update(MAP_TILES="https://wprd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}",
                      MAP_TILES_SYSTEM="gcj02")
    login(client, "sup_t1")
    answer = client.get("/attendance/today")
    data = _map_json(answer.get_data(as_text=True))
    with app.app_context():
        village = db.session().get(Village, world["va"])
        name, stored = village.name, (village.lat, village.lon)
    fence = {f["name"]: f for f in data["fences"]}[name]
    assert (fence["lat"], fence["lon"]) == pytest.approx(coordinates.wgs84_to_gcj02(*stored),
                                                         abs=1e-6)
    assert abs(fence["lat"] - stored[0]) + abs(fence["lon"] - stored[1]) > 1e-3  # moved
    assert data["tiles"]["layers"] and data["tiles"]["missing"] == ""
    assert "https://*.is.autonavi.com" in answer.headers["Content-Security-Policy"]


def test_without_a_key_the_page_carries_the_note_and_no_tile_host(
        client: FlaskClient, world, login) -> None:
    login(client, "sup_t1")
    answer = client.get("/attendance/today?lang=en")
    data = _map_json(answer.get_data(as_text=True))
    assert data["tiles"] == {"layers": [], "subdomains": "", "attribution": "",
                             "missing": "no_key"}
    assert "No map key is set (Tianditu)" in data["notes"]["no_key"]
    assert "tianditu" not in answer.headers["Content-Security-Policy"]
