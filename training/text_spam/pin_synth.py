"""Synthetic pin-like TRAINING pins (never used for the development or unseen sets).

A labelling team's "slot" strategy: per category, a few phrasings with slots filled from word lists,
seeded, so the training part covers the categories, languages, lengths and link habits of real pins
without copying any one of them. The development (`data/pins/dev.tsv`) and unseen
(`data/pins/unseen.tsv`) sets are written by hand with other phrasings and are never generated here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SEED = 20240612


@dataclass(frozen=True)
class Pin:
    label: int
    lang: str
    category: str
    title: str
    description: str
    link: str


def _pick(rng: random.Random, xs):
    return xs[rng.randrange(len(xs))]


FOODS = ["chicken tikka masala", "banana muffins", "zucchini fritters", "beef stew", "shrimp tacos", "pumpkin soup",
         "greek salad", "mac and cheese", "lemon bars", "pad thai", "chocolate cake", "veggie lasagna", "chia pudding",
         "salmon bowls", "cinnamon rolls", "tomato basil pasta", "fried rice", "butternut squash risotto", "granola",
         "stuffed peppers", "blueberry pancakes", "chickpea curry", "apple crumble", "falafel wraps", "key lime pie"]
FOOD_ADJ = ["easy", "quick", "healthy", "5-ingredient", "one pot", "vegan", "gluten free", "creamy", "crispy",
            "kid friendly", "30 minute", "make ahead", "low carb", "cozy", "weeknight", "budget"]
ROOMS = ["living room", "bedroom", "kitchen", "bathroom", "entryway", "home office", "nursery", "patio", "dining room",
         "laundry room", "reading nook", "guest room"]
STYLES = ["boho", "farmhouse", "minimalist", "scandinavian", "mid century", "coastal", "industrial", "japandi",
          "cottagecore", "modern", "vintage", "art deco"]
CLOTHES = ["linen dress", "trench coat", "denim jacket", "knit cardigan", "wide leg pants", "white sneakers",
           "maxi skirt", "leather boots", "silk blouse", "oversized blazer", "puffer vest", "midi dress"]
SEASONS = ["fall", "winter", "spring", "summer", "holiday", "back to school", "vacation", "weekend"]
CRAFTS = ["macrame plant hanger", "wooden spoon rack", "felt garland", "resin coasters", "knitted scarf",
          "embroidery hoop art", "paper flowers", "painted rocks", "crochet tote bag", "concrete planters",
          "pallet bench", "quilted pillow"]
PLACES = ["Iceland", "Bali", "Amalfi Coast", "Kyoto", "Banff", "Marrakech", "Scotland", "Costa Rica", "Prague",
          "Seoul", "Tulum", "Cape Town", "New Zealand", "Croatia", "Vancouver", "the Dolomites"]
PLANTS = ["tomatoes", "basil", "succulents", "roses", "peonies", "lavender", "monstera", "strawberries", "orchids",
          "hostas", "sunflowers", "ferns"]
TATTOOS = ["fine line", "minimalist", "botanical", "geometric", "watercolor", "traditional", "script", "tiny"]
SPOTS = ["wrist", "ankle", "collarbone", "forearm", "behind the ear", "ribs", "shoulder", "finger"]
ITEMS = ["ceramic vase", "beeswax candle", "leather wallet", "silver ring", "wool blanket", "tote bag", "art print",
         "wooden cutting board", "baby blanket", "dog collar", "hair clips", "tea set", "linen napkins"]
DOMAINS_OK = ["etsy.com", "allrecipes.com", "bhg.com", "houzz.com", "vogue.com", "instructables.com",
              "lonelyplanet.com", "marthastewart.com", "bonappetit.com", "hgtv.com", "youtube.com", "instagram.com",
              "wordpress.com", "blogspot.com", "medium.com", "nytimes.com", "ikea.com", "target.com",
              "amazon.com", "food52.com", "thekitchn.com", "gardenersworld.com", "theknot.com", "ravelry.com"]
EMOJI_OK = ["", "", "", " ✨", " 💕", " 🌿", " 🍂", " 🏡", " 😍", " 🌸", " ☕", " 🎄", " 👗"]


def _ham_link(rng, slug: str) -> str:
    r = rng.random()
    if r < 0.45:
        return ""
    d = _pick(rng, DOMAINS_OK)
    return f"https://www.{d}/{slug.lower().replace(' ', '-')}"


def _ham(rng: random.Random) -> Pin:
    c = rng.randrange(14)
    e = _pick(rng, EMOJI_OK)
    if c == 0:
        f = _pick(rng, FOODS)
        t = _pick(rng, [f"{_pick(rng, FOOD_ADJ).capitalize()} {f}", f"The best {f}", f"{f.capitalize()} recipe",
                        f"How to make {f}", f"{f}{e}"])
        d = _pick(rng, ["", f"Ready in {rng.randrange(15, 70)} minutes.", "My family asks for this every week!",
                        f"Serves {rng.randrange(2, 9)}. Freezer friendly.", "pin now, cook later",
                        "Simple ingredients and big flavour", f"{_pick(rng, FOOD_ADJ)} and delicious"])
        return Pin(0, "en", "recipes", t, d, _ham_link(rng, f))
    if c == 1:
        s, r_ = _pick(rng, STYLES), _pick(rng, ROOMS)
        t = _pick(rng, [f"{s.capitalize()} {r_} ideas", f"{s} {r_}{e}", f"{r_.capitalize()} makeover",
                        f"Small {r_} inspiration", f"{s.capitalize()} {r_} decor on a budget"])
        d = _pick(rng, ["", "before and after", "thrifted finds and a fresh coat of paint", "renter friendly",
                        "neutral palette with lots of texture", f"we spent under ${rng.randrange(100, 900)}"])
        return Pin(0, "en", "home_decor", t, d, _ham_link(rng, f"{s} {r_}"))
    if c == 2:
        cl, se = _pick(rng, CLOTHES), _pick(rng, SEASONS)
        t = _pick(rng, [f"{se.capitalize()} outfit ideas", f"How to style a {cl}", f"{cl.capitalize()} outfit{e}",
                        f"{se} capsule wardrobe", f"Outfits with a {cl}"])
        d = _pick(rng, ["", "casual and comfy", "work to weekend", f"paired with a {_pick(rng, CLOTHES)}",
                        "petite friendly", "everything linked"])
        return Pin(0, "en", "fashion", t, d, _ham_link(rng, cl))
    if c == 3:
        cr = _pick(rng, CRAFTS)
        t = _pick(rng, [f"DIY {cr}", f"How to make a {cr}", f"Easy {cr} tutorial", f"{cr.capitalize()}{e}"])
        d = _pick(rng, ["", "free pattern", "step by step photos", "beginner friendly project",
                        f"takes about {rng.randrange(1, 6)} hours", "great gift idea"])
        return Pin(0, "en", "diy", t, d, _ham_link(rng, cr))
    if c == 4:
        p = _pick(rng, PLACES)
        t = _pick(rng, [f"{rng.randrange(3, 15)} days in {p}", f"{p} travel guide", f"Things to do in {p}",
                        f"{p}{e}", f"Where to stay in {p}", f"{p} bucket list"])
        d = _pick(rng, ["", "itinerary, budget and tips", "hidden gems and local food", "with kids",
                        "best time to visit", "our honeymoon"])
        return Pin(0, "en", "travel", t, d, _ham_link(rng, p))
    if c == 5:
        t = _pick(rng, ["Wedding centerpieces", "Bridal bouquet ideas", "Wedding hairstyles for long hair",
                        "Outdoor ceremony arch", "Wedding guest outfits", "Wedding favors guests will love",
                        "Boho wedding dress", "Wedding timeline checklist"])
        return Pin(0, "en", "weddings", t + e, _pick(rng, ["", "blush and gold", "greenery", "budget friendly"]),
                   _ham_link(rng, t))
    if c == 6:
        t = f"{_pick(rng, TATTOOS).capitalize()} tattoo {_pick(rng, ['ideas', 'on the ' + _pick(rng, SPOTS), 'designs', 'for women', 'for men'])}"
        return Pin(0, "en", "tattoos", t, _pick(rng, ["", "small and meaningful", "first tattoo inspo"]), "")
    if c == 7:
        t = _pick(rng, ["Inspirational quotes", "Quote of the day", "Self love quotes", "Funny mom quotes",
                        "Positive affirmations", "Good morning quotes", "Words to live by"])
        d = _pick(rng, ["", "\"Bloom where you are planted\"", "You are enough.", "\"Progress, not perfection.\"",
                        "Keep going 🌱"])
        return Pin(0, "en", "quotes", t, d, "")
    if c == 8:
        t = _pick(rng, ["Toddler activities", "Kids crafts for summer", "Baby shower ideas", "Chore chart printable",
                        "Sensory play ideas", "Kids room ideas", "Easy lunches for kids", "Halloween costumes for kids"])
        return Pin(0, "en", "kids", t + e, _pick(rng, ["", "free printable", "screen free fun", "ages 2-5"]),
                   _ham_link(rng, t))
    if c == 9:
        pl = _pick(rng, PLANTS)
        t = _pick(rng, [f"Growing {pl} in pots", f"How to care for {pl}", f"{pl.capitalize()} garden ideas",
                        f"When to prune {pl}", f"{pl}{e}"])
        return Pin(0, "en", "gardening", t, _pick(rng, ["", "for beginners", "zone 6", "container garden"]),
                   _ham_link(rng, pl))
    if c == 10:
        it = _pick(rng, ITEMS)
        price = _pick(rng, [f"${rng.randrange(8, 120)}", f"€{rng.randrange(8, 120)}", f"£{rng.randrange(8, 90)}.00"])
        t = _pick(rng, [f"Handmade {it}", f"{it.capitalize()} - {price}", f"Personalized {it}", f"New in the shop: {it}"])
        d = _pick(rng, [f"{price}, free shipping over $35", "made to order in my studio", f"{price} + shipping",
                        "ships worldwide", "free shipping this week", "small batch, eco friendly packaging",
                        f"only {rng.randrange(2, 9)} left"])
        return Pin(0, "en", "shop", t, d, _pick(rng, [f"https://www.etsy.com/listing/{rng.randrange(10**8)}/{it.replace(' ', '-')}",
                                                        f"https://{it.split()[0]}studio.myshopify.com/products/{it.replace(' ', '-')}", ""]))
    if c == 11:
        t = _pick(rng, ["Inspo", "Yum", "Love this", "Ideas", "Goals", "Beautiful", "So cute", "Favorites", "Want",
                        "Mood", "Dream home", "Recipes", "Outfits", "Saved", "Wow", "Nice", "Cool"])
        return Pin(0, "en", "short", t + e, "", "")
    if c == 12:
        return _ham_lang(rng)
    return Pin(0, "und", "emoji", _pick(rng, ["🌸", "✨✨", "😍😍😍", "🍂☕", "💕", "🏡🌿", "🎄", "🐶❤️", "👗👠"]), "", "")


_LANG_HAM = {
    "es": ["Receta de {}", "Ideas para decorar el {}", "Qué ver en {}", "Manualidades fáciles", "Look de verano",
           "Postre fácil sin horno", "Jardín pequeño", "Frases bonitas", "Peinados para boda", "Regalos hechos a mano"],
    "fr": ["Recette facile de {}", "Idées déco {}", "Que faire à {}", "Tenue d'automne", "Jardin sur balcon",
           "Bricolage pour enfants", "Gâteau au chocolat", "Citation inspirante", "Coiffure de mariée"],
    "de": ["Rezept für {}", "Deko Ideen {}", "Urlaub in {}", "Herbst Outfit", "Garten Ideen", "Basteln mit Kindern",
           "Schnelles Abendessen", "Sprüche zum Nachdenken", "Hochzeit Deko"],
    "pt": ["Receita de {}", "Decoração de {}", "Viagem para {}", "Look de inverno", "Jardim vertical", "Frases de amor",
           "Artesanato fácil", "Bolo de aniversário"],
    "it": ["Ricetta {}", "Idee arredamento {}", "Cosa vedere a {}", "Outfit autunnale", "Giardino in balcone",
           "Lavoretti per bambini", "Torta al cioccolato"],
    "ja": ["簡単レシピ", "インテリア 北欧", "ネイルデザイン", "お弁当", "ヘアアレンジ", "京都 旅行", "手作り アクセサリー"],
    "nl": ["Recept voor {}", "Woonkamer inspiratie", "Tuin ideeën", "Knutselen met kinderen"],
}
_LANG_DESC = {"es": ["", "muy fácil", "envío gratis"], "fr": ["", "très simple", "livraison offerte"],
              "de": ["", "ganz einfach", "kostenloser Versand"], "pt": ["", "fácil e rápido", "frete grátis"],
              "it": ["", "facilissima", "spedizione gratuita"], "ja": ["", "かわいい", "送料無料"], "nl": ["", "makkelijk"]}


def _ham_lang(rng):
    lang = _pick(rng, list(_LANG_HAM))
    t = _pick(rng, _LANG_HAM[lang]).format(_pick(rng, PLACES + ROOMS + FOODS))
    return Pin(0, lang, "lang", t, _pick(rng, _LANG_DESC[lang]), _ham_link(rng, t) if lang != "ja" else "")


SPAM_TLDS = ["xyz", "top", "click", "online", "site", "live", "info", "biz", "shop", "ru", "cn", "tk", "icu", "work", "club"]
BRANDS = ["Rolex", "Gucci", "Louis Vuitton", "Nike", "Chanel", "Prada", "Cartier", "Dior", "Air Jordan", "Hermes"]
PRIZES = ["iPhone 15 Pro", "$500 gift card", "PS5", "MacBook", "$1000 cash", "Samsung Galaxy", "AirPods",
          "free vacation", "Costco voucher", "Shein gift card"]
PILLS = ["keto pills", "fat burner", "weight loss gummies", "male enhancement pills", "viagra", "cialis",
         "testosterone booster", "detox tea", "diet drops", "skin whitening cream"]
SHOWS = ["the new Marvel movie", "Champions League", "UFC tonight", "NBA finals", "House of the Dragon",
         "latest Netflix series", "Oppenheimer", "Premier League", "WWE PPV", "all new movies"]
SPAM_EMOJI = ["", "", " 🔥", " 💰", " 👉", " ‼️", " 🎁", " 💯", " 😱"]


def _spam_link(rng, words: str) -> str:
    r = rng.random()
    slug = "-".join(words.lower().split()[:3])
    slug = "".join(ch for ch in slug if ch.isalnum() or ch == "-") or "offer"
    if r < 0.15:
        return ""
    if r < 0.3:
        return f"http://bit.ly/{rng.randrange(36 ** 5):x}"
    if r < 0.4:
        return f"http://{rng.randrange(1, 255)}.{rng.randrange(255)}.{rng.randrange(255)}.{rng.randrange(255)}/{slug}"
    return f"http{'s' if rng.random() < 0.3 else ''}://{slug}{rng.randrange(100)}.{_pick(rng, SPAM_TLDS)}/{_pick(rng, ['claim', 'go', 'offer', 'login', 'p', 'win', ''])}"


def _spam(rng: random.Random) -> Pin:
    c = rng.randrange(9)
    e = _pick(rng, SPAM_EMOJI)
    if c == 0:
        p = _pick(rng, PRIZES)
        t = _pick(rng, [f"FREE {p} giveaway", f"Win a {p}!!!", f"You won a {p}", f"Claim your free {p}{e}",
                        f"{p} for the first 100 people"])
        d = _pick(rng, ["click the link and enter your details", "just share and comment DONE", "limited time, act now",
                        "100% legit no survey", "hurry, only a few left", "winners announced tonight"])
        return Pin(1, "en", "giveaway", t, d, _spam_link(rng, p))
    if c == 1:
        t = _pick(rng, ["Your account will be suspended", "Verify your account now", "Security alert", "Payment declined",
                        "Confirm your identity", "Your order could not be delivered", "Action required: update billing"])
        d = _pick(rng, ["log in within 24 hours to avoid deletion", "enter your password and card number to continue",
                        "click here to verify", "we detected suspicious activity on your account",
                        "pay the small customs fee to release your parcel"])
        return Pin(1, "en", "phishing", t, d, _spam_link(rng, "secure login verify"))
    if c == 2:
        b = _pick(rng, BRANDS)
        t = _pick(rng, [f"{b} replica {rng.randrange(70, 95)}% off", f"Cheap {b} outlet", f"{b} AAA copies",
                        f"Fake {b} same as original", f"{b} wholesale from china{e}"])
        d = _pick(rng, ["top quality replicas, worldwide shipping", "factory price, paypal ok", "1:1 mirror quality",
                        f"from ${rng.randrange(19, 60)}, sale ends today", "whatsapp for catalog"])
        return Pin(1, "en", "counterfeit", t, d, _spam_link(rng, f"{b} replica"))
    if c == 3:
        t = _pick(rng, [f"Make ${rng.randrange(200, 999)} a day from home", "Earn money online fast",
                        f"I made ${rng.randrange(5, 50)},000 last month", "Crypto investment guaranteed profit",
                        "Passive income secret", f"Double your bitcoin{e}", "Forex signals 95% win rate"])
        d = _pick(rng, ["no experience needed, DM me", "join my team today", "guaranteed returns in 7 days",
                        "only 5 spots left", "this one simple trick changed my life", "send me a message to start"])
        return Pin(1, "en", "get_rich", t, d, _spam_link(rng, "easy money"))
    if c == 4:
        p = _pick(rng, PILLS)
        t = _pick(rng, [f"Buy {p} online", f"Miracle {p}", f"Cheap {p} no prescription", f"{p} - lose {rng.randrange(10, 40)} lbs fast",
                        f"Doctors hate these {p}{e}"])
        d = _pick(rng, ["order now, free trial", "100% natural, results in 7 days", "discreet shipping worldwide",
                        "lowest price guaranteed", "as seen on TV"])
        return Pin(1, "en", "pills", t, d, _spam_link(rng, p))
    if c == 5:
        t = _pick(rng, ["Hot girls near you", "Meet singles tonight", "Free adult chat", "See my private photos",
                        "Lonely wives want to meet", "XXX videos free", f"18+ content{e}"])
        d = _pick(rng, ["no signup, click now", "link in bio", "she is waiting for you", "free membership today", ""])
        return Pin(1, "en", "adult", t, d, _spam_link(rng, "hot date"))
    if c == 6:
        w = _pick(rng, ["recipes", "decor", "outfits", "wallpaper", "quotes", "tattoo", "nails", "hairstyles"])
        t = f"{w} {w} ideas {w} {rng.randrange(2020, 2026)} best {w}"
        d = " ".join(f"{_pick(rng, ['cheap', 'best', 'top', 'easy', 'free', 'new', 'cute'])} {w}" for _ in range(rng.randrange(4, 10)))
        return Pin(1, "en", "linkfarm", t, d + " click", _spam_link(rng, f"{w} seo links"))
    if c == 7:
        s = _pick(rng, SHOWS)
        t = _pick(rng, [f"Watch {s} free online", f"{s} live stream free", f"Download {s} HD", f"{s} full movie 1080p",
                        f"IPTV subscription {rng.randrange(5000, 20000)} channels"])
        d = _pick(rng, ["no sign up, no ads", "stream in HD now", "free download link", "works on any device", "cheap IPTV"])
        return Pin(1, "en", "streaming", t, d, _spam_link(rng, s))
    return _spam_lang(rng)


_LANG_SPAM = {
    "es": [("Gana dinero fácil desde casa", "sin experiencia, escríbeme"), ("iPhone gratis para los primeros 50", "haz clic y reclama"),
           ("Réplicas de Rolex baratas", "calidad AAA"), ("Pastillas para adelgazar rápido", "resultados garantizados"),
           ("Ver películas gratis online", "sin registro")],
    "fr": [("Gagnez de l'argent rapidement", "sans expérience"), ("iPhone gratuit à gagner", "cliquez ici"),
           ("Sacs de luxe pas chers", "répliques haute qualité"), ("Votre compte est bloqué", "vérifiez vos informations")],
    "de": [("Schnell Geld verdienen", "von zu Hause, ohne Erfahrung"), ("Gratis iPhone gewinnen", "jetzt klicken"),
           ("Ihr Konto wird gesperrt", "bestätigen Sie Ihre Daten"), ("Abnehmen ohne Diät", "Wunderpille")],
    "pt": [("Ganhe dinheiro fácil", "trabalhe em casa"), ("Ganhe um iPhone grátis", "clique no link"),
           ("Filmes grátis em HD", "sem cadastro")],
    "it": [("Guadagna soldi da casa", "senza esperienza"), ("Vinci un iPhone gratis", "clicca qui")],
    "ja": [("簡単に稼げる副業", "今すぐ登録"), ("無料でiPhoneが当たる", "こちらをクリック")],
}


def _spam_lang(rng):
    lang = _pick(rng, list(_LANG_SPAM))
    t, d = _pick(rng, _LANG_SPAM[lang])
    return Pin(1, lang, "lang", t, d, _spam_link(rng, "promo"))


def generate(n_ham: int = 1200, n_spam: int = 600, seed: int = SEED) -> list[Pin]:
    rng = random.Random(seed)
    pins = [_ham(rng) for _ in range(n_ham)] + [_spam(rng) for _ in range(n_spam)]
    seen, out = set(), []
    for p in pins:
        key = (p.title, p.description, p.link)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
