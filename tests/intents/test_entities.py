from libriassist.intents.entities import extract_entities


def test_order_numbers_in_every_language() -> None:
    for text, expected in [
        ("Where is #12345?", ["12345"]),
        ("Où est ma commande 100234 ?", ["100234"]),
        ("order no. A-5521 has not arrived", ["A-5521"]),
        ("my order number is 55012", ["55012"]),
        ("pedido nº 889911, por favor", ["889911"]),
        ("الطلب رقم 4521 ما وصلش", ["4521"]),
        ("الطلب رقم ٤٥٢١", ["4521"]),  # Arabic-Indic digits
        ("fin wslat lcommande 7788?", ["7788"]),
        ("Order No: CMD_2024_0091.", ["CMD_2024_0091"]),
        ("commande n°12345, je répète : commande 12345", ["12345"]),
        ("Order #: 12345", ["12345"]),
        ("رقم الطلبية ديالي 45678", ["45678"]),
        ("lcommande dyali 99871 ma wslatnich", ["99871"]),
    ]:
        assert extract_entities(text).order_numbers == expected, text


def test_numbers_that_are_not_said_to_be_orders_are_left_alone() -> None:
    for text in [
        "I paid 1499 dollars, call me at 0612345678",
        "order 12",  # too short to be an order number
        "lcommande dyali fiha 3 produits",
        "Do you deliver to 75011 Paris?",
    ]:
        assert extract_entities(text).order_numbers == [], text


def test_email_addresses() -> None:
    found = extract_entities(
        "écrivez à jane.doe+shop@example.co.uk ou JD@mail.example.org, commande #4521"
    )
    assert found.emails == ["jane.doe+shop@example.co.uk", "JD@mail.example.org"]
    assert found.order_numbers == ["4521"]
    assert found.as_dict() == {
        "order_numbers": ["4521"],
        "emails": ["jane.doe+shop@example.co.uk", "JD@mail.example.org"],
    }
    assert not extract_entities("no address here @ all")
