"""The catalogue over the API: who may add products, what they look like, how they are listed."""

from tests.tokens import CUSTOMER, PRODUCT_TEAM

ROADSTER = {
    "product_id": "roadster",
    "name": "Roadster",
    "description": "Two seats.",
    "options": {"colour": ["matte green", "red"], "interior": ["cork", "leather"]},
    "vote_budget": 3,
}


def test_the_product_team_adds_a_product_that_everyone_can_read(api):
    created = api.post("/products", ROADSTER, headers=PRODUCT_TEAM)
    assert created.status_code == 201
    assert created.json_body == {
        **ROADSTER,
        "thresholds": [100, 1000, 10000],
        "max_units_per_customer": 10,
        "created_at": created.json_body["created_at"],
    }

    shown = api.get("/products/roadster")
    assert shown.status_code == 200
    assert shown.json_body == created.json_body


def test_a_product_without_budget_gets_ten_votes_per_customer(api):
    created = api.post("/products", {"product_id": "lamp", "name": "Lamp"}, headers=PRODUCT_TEAM)
    assert created.json_body["vote_budget"] == 10
    assert created.json_body["options"] == {}


def test_thresholds_are_ascending(api):
    answer = api.post("/products", {"product_id": "lamp", "name": "L", "thresholds": [10, 5]}, headers=PRODUCT_TEAM)
    assert answer.status_code == 400
    assert answer.json_body["Message"].startswith("thresholds")
    answer = api.post("/products", {"product_id": "lamp", "name": "L", "thresholds": [2, 20]}, headers=PRODUCT_TEAM)
    assert answer.json_body["thresholds"] == [2, 20]


def test_a_taken_product_id_is_a_conflict_and_the_first_product_stays(api):
    api.post("/products", ROADSTER, headers=PRODUCT_TEAM)
    again = api.post("/products", {**ROADSTER, "name": "Impostor"}, headers=PRODUCT_TEAM)
    assert again.status_code == 409
    assert again.json_body["Code"] == "ConflictError"
    assert api.get("/products/roadster").json_body["name"] == "Roadster"


def test_only_the_product_team_adds_products(api):
    assert api.post("/products", ROADSTER).status_code == 401
    assert api.post("/products", ROADSTER, headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    refused = api.post("/products", ROADSTER, headers=CUSTOMER)
    assert refused.status_code == 403
    assert refused.json_body == {"Code": "ForbiddenError", "Message": "only the product team may do this"}
    assert api.get("/products/roadster").status_code == 404


def test_an_invalid_product_names_every_offending_field(api):
    answer = api.post(
        "/products",
        {"product_id": "Road Ster", "name": "", "vote_budget": 99, "options": {"colour": []}, "colour": "red"},
        headers=PRODUCT_TEAM,
    )
    assert answer.status_code == 400
    message = answer.json_body["Message"]
    for field in ("product_id", "name", "vote_budget", "options", "colour"):
        assert f"{field}:" in message


def test_an_unknown_product_is_404(api):
    answer = api.get("/products/no-such-thing")
    assert answer.status_code == 404
    assert answer.json_body["Code"] == "NotFoundError"
    assert api.get("/products/" + "x" * 3000).status_code == 404


def test_the_catalogue_is_listed_in_pages_until_the_cursor_is_null(api):
    for n in range(5):
        api.post("/products", {"product_id": f"p{n}", "name": f"P{n}"}, headers=PRODUCT_TEAM)
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get("/products" + query).json_body
        seen += [p["product_id"] for p in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["p0", "p1", "p2", "p3", "p4"]
    assert pages == 3


def test_a_full_last_page_has_no_cursor(api):
    for n in range(2):
        api.post("/products", {"product_id": f"p{n}", "name": f"P{n}"}, headers=PRODUCT_TEAM)
    assert api.get("/products?limit=2").json_body["next_cursor"] is None


def test_bad_paging_is_400(api):
    for query in ("limit=0", "limit=101", "limit=ten", "cursor=bm90IGEgY3Vyc29y"):
        answer = api.get(f"/products?{query}")
        assert answer.status_code == 400, query
        assert query.split("=")[0] in answer.json_body["Message"]
