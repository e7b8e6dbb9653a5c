"""Demo content for `manage.py load_demo`: captions written for Loupe, over real photographs where Debian's
mate-backgrounds package is installed (each credited with its author and licence), else scenes painted with
Pillow."""

import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps

# Where Debian's mate-backgrounds package puts its photographs (`apt-get install mate-backgrounds`).
PHOTOGRAPHS_DIR = Path("/usr/share/backgrounds/mate")
PHOTOGRAPHS_LICENCE = "GPL-2.0-or-later, from Debian's mate-backgrounds package"


@dataclass(frozen=True)
class Scene:
    seed: int
    sky: tuple[tuple[int, int, int], tuple[int, int, int]]
    ground: tuple[int, int, int]
    sun: tuple[int, int, int] | None = None
    water: bool = False
    lights: int = 0


# A camera's photo, small by today's standards: every rendition width up to 1920 has pixels to come from.
SCENE_SIZE = (2400, 1600)


@dataclass(frozen=True)
class Photograph:
    """A real photograph from the wallpaper package: its file, its author as the package's copyright file
    names them, what it shows, and the crop the story uses (None for the whole frame)."""

    path: str
    author: str
    year: int
    alt: str
    portrait: bool = False


def photograph(shot: Photograph, *, directory: Path = PHOTOGRAPHS_DIR) -> bytes | None:
    """The photograph's JPEG bytes, cut to portrait where the story wants it upright; None without the file."""
    try:
        with Image.open(directory / shot.path) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
    except OSError:
        return None
    if shot.portrait:
        width, height = image.size
        crop = int(height * 2 / 3)
        image = image.crop(((width - crop) // 2, 0, (width - crop) // 2 + crop, height))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def photographs_available(*, directory: Path = PHOTOGRAPHS_DIR) -> bool:
    return all((directory / shot.path).is_file() for shot in MEADOW_PHOTOGRAPHS)


def paint(scene: Scene, size: tuple[int, int] = SCENE_SIZE) -> bytes:
    """A deterministic landscape, JPEG-encoded like a camera would."""
    rng = random.Random(scene.seed)
    width, height = size
    top, bottom = scene.sky
    sky = Image.linear_gradient("L").resize(size)
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), sky)
    draw = ImageDraw.Draw(image)
    if scene.sun:
        x, y, r = rng.randint(width // 5, 4 * width // 5), rng.randint(height // 8, height // 3), height // 12
        draw.ellipse((x - r, y - r, x + r, y + r), fill=scene.sun)
    horizon = int(height * rng.uniform(0.5, 0.65))
    for layer in range(4):
        shade = tuple(max(0, c - 18 * (3 - layer)) for c in scene.ground)
        base = horizon + layer * height // 14
        points = [(0, height)]
        for step in range(0, width + 80, 80):
            points.append((step, base - int(rng.uniform(0, height / 10) * (1 - layer / 5))))
        points.append((width, height))
        draw.polygon(points, fill=shade)
    if scene.water:
        water_top = int(height * 0.78)
        draw.rectangle((0, water_top, width, height), fill=tuple(c // 2 for c in top))
        for _ in range(400):
            x, y = rng.randrange(width), rng.randrange(water_top, height)
            draw.line((x, y, x + rng.randint(10, 60), y), fill=tuple(min(255, c + 40) for c in top), width=2)
    for _ in range(scene.lights):
        x, y = rng.randrange(width), rng.randrange(horizon, int(height * 0.8))
        draw.rectangle((x, y, x + 8, y + 12), fill=(255, 214, 130))
    grain = Image.frombytes("L", (width // 4, height // 4), rng.randbytes(width * height // 16))
    grain = grain.resize(size).filter(ImageFilter.GaussianBlur(1))
    image = Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.06)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


PHOTOGRAPHERS = [
    {
        "name": "Amara Okafor",
        "slug": "amara-okafor",
        "bio": "Amara covers ports, fisheries and the people who work through the night. She has photographed "
        "for the newsroom since 2019.",
        "website": "https://example.org/amara-okafor",
        "instagram": "amara.okafor.photo",
        "agency": "Staff",
    },
    {
        "name": "Tomás Lindqvist",
        "slug": "tomas-lindqvist",
        "bio": "Tomás photographs rural life and the slow changes of farming families in the north.",
        "website": "https://example.org/tomas-lindqvist",
        "instagram": "",
        "agency": "Freelance",
    },
]

# The listicle, in the seeds' shape: five of its items have no headline, only their number and caption.
HARBOUR = [
    ("Shift change", "The night crew arrives at ten. Most of them have worked the harbour for twenty years or more."),
    (
        "",
        "“You stop hearing the cranes after a week,” the foreman told me. “Then one night they stop, and you wake up.”",
    ),
    ("The ice house", "Crushed ice goes into every crate before the catch is weighed."),
    ("", "Each boat's haul is weighed twice: once by the crew, once by the buyer."),
    ("Coffee at four", "The canteen opens at four in the morning and closes when the last boat is in."),
    ("", "Torn nets are mended on the quay; the work is done by hand, as it always was."),
    ("", "Buyers bid in a language of nods and raised fingers that outsiders rarely follow."),
    ("", "By seven the quay is empty again, hosed down, waiting for the evening."),
]
HARVEST = [
    ("The meadow", "The Bergs have cut this meadow by hand every July since the 1950s. This summer is the last."),
    ("", "Before the first cut the grass stands taller than the youngest grandchild."),
    ("Rain coming", "A storm can undo a week of drying in an hour, so everyone watches the western sky."),
    ("Marigolds", "Ingrid Berg plants marigolds along the fence “for the bees, and for me.”"),
    ("The barn door", "The boards of the barn have gone silver; nobody can remember when they were last painted."),
    ("", "After the rain the drops hang on the blades until the sun is high enough to dry them."),
    ("A ladybird", "The children count ladybirds on the forget-me-nots while the adults sharpen the scythes."),
    ("Seed heads", "What the scythe misses goes to seed, and the wind does the rest."),
    ("Sunflower", "A single flower by the house, planted the spring Ingrid's husband died."),
    ("The trough", "A drop falls into the water trough; the cattle left the farm in 2019."),
    ("Leaves", "Light through a leaf at the edge of the wood, where the meadow ends."),
    ("Last light", "“Next year a neighbour will cut it with machines,” Ingrid says. “It will still be a meadow.”"),
]
# The harvest essay's real photographs, in the order of HARVEST (authors from the package's copyright file).
MEADOW_PHOTOGRAPHS = [
    Photograph(
        "nature/GreenMeadow.jpg",
        "Timothy Schellhase and Lapo Calamandrei",
        2008,
        "Close-up of dense green blades of grass, all leaning the same way.",
    ),
    Photograph(
        "nature/Dune.jpg",
        "Marco Cogoni and Hylke Bons",
        2008,
        "Tall dry golden grass against a blue sea and a pale sky.",
        portrait=True,
    ),
    Photograph("nature/Storm.jpg", "Sergey Nazarov", 2008, "Dark storm clouds over a flat field, blurred by movement."),
    Photograph(
        "nature/Garden.jpg",
        "Charles Barbin",
        2008,
        "A red and orange marigold in sharp focus against a blurred orange background.",
    ),
    Photograph(
        "nature/Wood.jpg", "Jean-François Fortin Tam", 2008, "Weathered pale grey wooden boards seen at a low angle."
    ),
    Photograph(
        "nature/RainDrops.jpg",
        "blackcombwhistler07",
        2008,
        "Raindrops beaded on a broad green leaf among blades of grass.",
    ),
    Photograph(
        "nature/LadyBird.jpg",
        "Charles Barbin",
        2008,
        "A ladybird climbing a grass stem among small blue forget-me-nots.",
        portrait=True,
    ),
    Photograph(
        "nature/TwoWings.jpg",
        "Charles Barbin and Hylke Bons",
        2008,
        "Two dandelion seeds, their white tufts lit against blurred orange flowers.",
    ),
    Photograph(
        "nature/YellowFlower.jpg",
        "Charles Barbin",
        2008,
        "A yellow flower with a dark centre, petals filling the frame.",
    ),
    Photograph(
        "nature/Aqua.jpg", "Charles Barbin", 2008, "A drop splashing into still grey water, making a small crown."
    ),
    Photograph(
        "nature/Blinds.jpg",
        "Lennart Poettering and Andrea Cimitan",
        2008,
        "Backlit green leaf with parallel veins, filling the frame.",
    ),
    Photograph(
        "nature/FreshFlower.jpg",
        "Jens Ansorg",
        2005,
        "An orange flower seen from very close, its petals curling.",
        portrait=True,
    ),
]
FLOOD = [
    ("Arrivals", "Families reach the camp with what they could carry."),
    ("The school gym", "Two hundred cots fill the floor of the school gym."),
    ("Water line", "A mark on the wall shows where the river stopped."),
]

SCENES_NIGHT = [
    Scene(seed=100 + i, sky=((12, 18, 40), (60, 50, 90)), ground=(30, 30, 38), water=True, lights=60)
    for i in range(len(HARBOUR))
]
SCENES_DAY = [
    Scene(seed=200 + i, sky=((90, 150, 220), (230, 220, 180)), ground=(92, 130, 60), sun=(255, 240, 200))
    for i in range(len(HARVEST))
]
# Which harvest photos stand upright (by position), painted or real.
UPRIGHT_DAY = {position for position, shot in enumerate(MEADOW_PHOTOGRAPHS) if shot.portrait}
SCENES_FLOOD = [
    Scene(seed=300 + i, sky=((120, 120, 130), (200, 200, 205)), ground=(110, 95, 70), water=True)
    for i in range(len(FLOOD))
]

GALLERIES = [
    {
        "slug": "night-shift-at-the-harbour",
        "title": "8 photos from the night shift at the harbour",
        "kind": "story",
        "dek": "While the town sleeps, a crew of forty unloads, weighs and sells the day's catch.",
        "introduction": "I spent a month of nights on the quay.\n\n“Nobody sees us,” one of the crane drivers "
        "said, “but everybody eats what we bring in.”",
        "photographer": "amara-okafor",
        "section": ("Work", "work"),
        "tags": [("Fisheries", "fisheries"), ("Night", "night")],
        "items": HARBOUR,
        "scenes": SCENES_NIGHT,
        "published": True,
    },
    {
        "slug": "the-last-hay-harvest",
        "title": "The last hay harvest",
        "kind": "essay",
        "dek": "A farming family cuts its meadow by hand for the final summer.",
        "introduction": "For seventy summers the Berg family has cut this meadow with scythes. This year is the last.",
        "photographer": "tomas-lindqvist",
        "section": ("Rural life", "rural-life"),
        "tags": [("Farming", "farming")],
        "items": HARVEST,
        "scenes": SCENES_DAY,
        "photographs": MEADOW_PHOTOGRAPHS,
        "upright": UPRIGHT_DAY,
        "presentation": "dark",
        "published": True,
    },
    {
        "slug": "inside-the-flood-relief-camp",
        "title": "Inside the flood relief camp",
        "kind": "essay",
        "dek": "Draft: a week with families waiting to go home.",
        "introduction": "Work in progress.",
        "photographer": "amara-okafor",
        "section": ("Work", "work"),
        "tags": [("Floods", "floods")],
        "items": FLOOD,
        "scenes": SCENES_FLOOD,
        "published": False,
    },
]

USERS = [
    # username, password, role, is_superuser
    ("admin", "loupe-admin-demo", None, True),
    ("editor", "loupe-editor-demo", "Editors", False),
    ("photographer", "loupe-photographer-demo", "Photographers", False),
    ("moderator", "loupe-moderator-demo", "Moderators", False),
]

# Approved reader comments, by gallery: (key, parent key, item position or None, author, body).
COMMENTS = {
    "night-shift-at-the-harbour": [
        ("crane", None, None, "Ines", "My grandfather drove one of those cranes. Thank you for showing the people."),
        ("crane-reply", "crane", None, "Jonah", "Same here, my uncle. The night crews never get any credit."),
        (
            "ice",
            None,
            3,
            "Priya",
            "I had no idea the ice went in before the weighing. Does the buyer pay for the ice too?",
        ),
        ("ice-reply", "ice", 3, "Marek", "They weigh the crates empty first, so the ice comes off the price."),
    ],
    # The photo story is read on black: its threads show the comments' dark colours.
    "the-last-hay-harvest": [
        ("scythe", None, None, "Sigrid", "We cut our meadow by hand until 1998. I can still hear the whetstone."),
        ("scythe-reply", "scythe", None, "Tomás Lindqvist", "Ingrid says the whetstone is what she will miss most."),
        ("trough", None, 10, "Ravi", "The photo of the trough says more about the farm than any of the words."),
        ("trough-reply", "trough", 10, "Elin", "Agreed. The empty water says the cattle are gone."),
    ],
}
