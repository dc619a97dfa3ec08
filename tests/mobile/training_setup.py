"""Training data for the app tests, made through the backend's GraphQL API (sync httpx, as another client)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image, ImageDraw

from tests.backend.training import api as ops
from tests.conftest import MineFixture

QUESTIONS = [
    ("SINGLE", "采煤工作面瓦斯浓度达到多少时报警？Methane alarm at the coal face?", ["0.5%", "1.0%", "1.5%", "2.5%"],
     [1]),
    ("SINGLE", "回风巷瓦斯断电浓度？Power cut in the return airway?", ["0.5%", "1.0%", "1.5%", "2.0%"], [1]),
    ("MULTIPLE", "重大隐患治理方案“五落实”包括？The five musts of a treatment plan include?",
     ["措施 measures", "资金 funds", "午餐 lunch", "时限 deadline"], [0, 1, 3]),
    ("TRUE_FALSE", "复查人可以是整改人。The re-inspector may be the rectifier.", ["正确 True", "错误 False"], [1]),
    ("SINGLE", "工作面进风流中氧气浓度不得低于？Minimum O2 in the intake?", ["18%", "19%", "20%", "21%"], [2]),
    ("SINGLE", "CO 报警浓度？CO alarm level?", ["6 ppm", "12 ppm", "24 ppm", "50 ppm"], [2]),
]


def gql(server: str, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    response = httpx.post(f"{server}/graphql", json={"query": query, "variables": variables},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    body = response.json()
    assert not body.get("errors"), body
    return dict(body["data"])


def lesson_picture() -> bytes:
    image = Image.new("RGB", (640, 400), (30, 40, 60))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 600, 340), outline=(250, 200, 40), width=10)
    draw.ellipse((260, 140, 380, 260), fill=(220, 60, 50))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def upload_picture(server: str, token: str) -> str:
    data = lesson_picture()
    ticket = gql(server, """mutation($input: RequestUploadInput!) { requestUpload(input: $input) {
      ... on UploadTicket { key url headers { name value } } } }""",
                 {"input": {"kind": "PHOTO", "contentType": "image/jpeg", "size": len(data)}}, token)["requestUpload"]
    response = httpx.put(ticket["url"], content=data, headers={h["name"]: h["value"] for h in ticket["headers"]})
    assert response.status_code == 200, response.text
    return str(ticket["key"])


def set_up(server: str, mine: MineFixture, *, minutes: int = 20, link_started: str | None = None) -> dict[str, str]:
    """A bank, an induction course with text and picture lessons, an exam; the mentor takes on the miner
    and assigns both. Returns the ids."""
    officer = mine.token("safety_officer")
    bank = [{"kind": k, "text": t, "options": o, "correct": c, "tags": ["gas"], "difficulty": 2}
            for k, t, o, c in QUESTIONS]
    imported = gql(server, ops.IMPORT, {"format": "JSON", "content": json.dumps(bank)}, officer)["importQuestions"]
    assert imported["importedCount"] == len(QUESTIONS), imported
    picture = upload_picture(server, officer)
    course = gql(server, ops.CREATE_COURSE, {"input": {
        "title": "入井安全须知 Going underground", "kind": "INDUCTION", "classHours": 6, "skillTags": ["gas"],
        "lessons": [
            {"title": "瓦斯的危害 Methane", "kind": "TEXT", "minutes": 20,
             "body": "瓦斯浓度达到 1.0% 报警，1.5% 断电撤人。\nMethane: alarm at 1.0 %, power cut at 1.5 %."},
            {"title": "自救器 The self-rescuer", "kind": "IMAGE", "mediaKey": picture, "minutes": 10,
             "body": "随身携带，30 秒内戴好。Carry it always; put it on within 30 s."},
            {"title": "避灾路线 Escape routes", "kind": "TEXT", "minutes": 15,
             "body": "沿进风巷撤离。Escape through the intake airway."}]}}, officer)["createCourse"]
    exam = gql(server, ops.CREATE_EXAM, {"input": {"title": "瓦斯防治考试 Gas exam", "timeLimitMinutes": minutes,
                                                   "skill": "gas", "rules": [{"count": 5, "tag": "gas"}]}},
               officer)["createExam"]
    link = gql(server, ops.LINK, {"mentor": mine.user_id("mentor"), "apprentice": mine.user_id("miner"),
                                  "start": link_started}, mine.token("admin"))["linkApprentice"]
    due = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    for target in ({"courseId": course["id"]}, {"examId": exam["id"]}):
        made = gql(server, ops.ASSIGN, {"input": {"assigneeId": mine.user_id("miner"), "dueAt": due, **target}},
                   mine.token("mentor"))["assignTraining"]
        assert made["__typename"] == "TrainingAssignment", made
    return {"course": course["id"], "exam": exam["id"], "link": link["id"]}
