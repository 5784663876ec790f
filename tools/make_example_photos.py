"""Make the pictures and the small PDF of the example content (``content/``).

The example site needs photos that look like event documentation of a regency office (a hall with a
banner, a hand-over on stage, a field visit to a balai kalurahan) without showing any real person.
They are drawn here with Pillow from a fixed seed, so anyone can remake them byte for byte:

    .venv/bin/python tools/make_example_photos.py            # writes into ./content
    .venv/bin/python tools/make_example_photos.py --out DIR  # writes into DIR instead

One picture (``media/2026/pembinaan-kader-posyandu.jpg``) carries an invented GPS position inside
Bantul and EXIF Orientation 6 with its pixels stored turned a quarter to the left, the way a phone held
upright writes them: the media pipeline must strip the position and turn the picture upright, and the
demo shows that it does (UU 27/2022 Pelindungan Data Pribadi: photos carry positions in EXIF).

The PDF attachment of the LKjIP entry is written with the standard library only.
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

SEED = 20250102  # the SOPs' date of making (2 Januari 2025); any fixed number would do
QUALITY = 85
MAX_BYTES = 400_000

RGB = tuple[int, int, int]

SKIN: list[RGB] = [(141, 97, 70), (160, 114, 84), (122, 84, 60), (176, 130, 98), (105, 72, 52)]
HAIR: list[RGB] = [(24, 20, 18), (34, 28, 24), (45, 36, 30), (60, 58, 56)]
CLOTHES: list[RGB] = [
    (112, 72, 40),
    (58, 74, 112),
    (150, 40, 40),
    (40, 96, 80),
    (196, 160, 80),
    (90, 60, 100),
    (230, 230, 225),
    (60, 60, 64),
    (160, 110, 60),
    (36, 60, 48),
    (180, 90, 110),
    (200, 200, 190),
]
HIJAB: list[RGB] = [(90, 40, 70), (30, 70, 110), (200, 180, 150), (60, 100, 80), (150, 60, 60), (40, 40, 48)]
KHAKI: RGB = (154, 130, 84)  # the civil servants' work uniform


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font: the same on every machine, so the pictures are reproducible."""
    return ImageFont.load_default(size=size)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def shade(c: RGB, f: float) -> RGB:
    return (min(255, round(c[0] * f)), min(255, round(c[1] * f)), min(255, round(c[2] * f)))


def vertical_gradient(img: Image.Image, box: tuple[int, int, int, int], top: RGB, bottom: RGB) -> None:
    draw = ImageDraw.Draw(img)
    x0, y0, x1, y1 = box
    span = max(1, y1 - y0)
    for y in range(y0, y1):
        draw.line([(x0, y), (x1, y)], fill=mix(top, bottom, (y - y0) / span))


def centred_text(draw: ImageDraw.ImageDraw, cx: int, y: int, text: str, size: int, fill: RGB) -> int:
    """Draw ``text`` centred on ``cx`` with its top at ``y``; returns its height."""
    f = font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=f)
    draw.text((cx - (right - left) // 2, y - top), text, font=f, fill=fill)
    return int(bottom - top)


def fit_size(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> int:
    while size > 10:
        left, _, right, _ = draw.textbbox((0, 0), text, font=font(size))
        if right - left <= width:
            return size
        size -= 2
    return size


@dataclass(frozen=True)
class Banner:
    lines: tuple[str, ...]
    colour: RGB = (120, 20, 24)
    text: RGB = (250, 244, 230)
    accent: RGB = (214, 170, 60)


def draw_banner(img: Image.Image, box: tuple[int, int, int, int], banner: Banner) -> None:
    """A printed backdrop banner (spanduk): coloured field, gold border, a logo roundel, the text."""
    draw = ImageDraw.Draw(img)
    x0, y0, x1, y1 = box
    vertical_gradient(img, box, shade(banner.colour, 1.15), shade(banner.colour, 0.8))
    border = max(4, (y1 - y0) // 40)
    draw.rectangle(box, outline=banner.accent, width=border)
    r = (y1 - y0) // 5
    cx, cy = x0 + r + 3 * border, y0 + (y1 - y0) // 2
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=banner.accent)
    draw.ellipse((cx - r * 2 // 3, cy - r * 2 // 3, cx + r * 2 // 3, cy + r * 2 // 3), fill=(40, 110, 60))
    draw.polygon(
        [(cx, cy - r // 2), (cx + r // 2, cy + r // 3), (cx - r // 2, cy + r // 3)], fill=banner.accent
    )
    text_x0 = cx + r + 2 * border
    width = x1 - border * 3 - text_x0
    mid = text_x0 + width // 2
    n = len(banner.lines)
    heights = [(y1 - y0) * (0.26 if i == 0 else 0.16) for i in range(n)]
    gap = (y1 - y0 - sum(heights)) / (n + 1)
    y = y0 + gap
    first = 0
    for i, line in enumerate(banner.lines):
        size = fit_size(draw, line, int(heights[i]), width)
        if i == 0:
            first = size
        else:  # a subtitle never outgrows the title
            size = min(size, int(first * 0.7))
        colour = banner.text if i == 0 else mix(banner.text, banner.accent, 0.4)
        centred_text(draw, mid, int(y), line, size, colour)
        y += heights[i] + gap


def seated(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int, s: float) -> None:
    """A seated person seen from behind: shoulders, neck, head (some with a hijab)."""
    cloth = KHAKI if rng.random() < 0.35 else rng.choice(CLOTHES)
    w = int(62 * s)
    draw.rounded_rectangle((x - w, y - int(20 * s), x + w, y + int(90 * s)), radius=int(30 * s), fill=cloth)
    hr = int(24 * s)
    hy = y - int(36 * s)
    if rng.random() < 0.45:
        colour = rng.choice(HIJAB)
        draw.polygon(
            [(x - int(40 * s), y + int(6 * s)), (x + int(40 * s), y + int(6 * s)), (x, hy - hr // 2)],
            fill=shade(colour, 0.9),
        )
        draw.ellipse((x - hr - 3, hy - hr - 3, x + hr + 3, hy + hr + 3), fill=colour)
    else:
        draw.rectangle((x - int(10 * s), hy, x + int(10 * s), y), fill=rng.choice(SKIN))
        draw.ellipse((x - hr, hy - hr, x + hr, hy + hr), fill=rng.choice(HAIR))


def standing(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: int, foot: int, s: float, cloth: RGB | None = None
) -> None:
    """A standing person seen from the front at a distance: legs, body, arms, head."""
    cloth = cloth or (KHAKI if rng.random() < 0.4 else rng.choice(CLOTHES))
    trousers = rng.choice([(40, 40, 46), (30, 34, 50), (70, 60, 50), (20, 20, 22)])
    h = 170 * s
    draw.rectangle((x - int(14 * s), foot - int(h * 0.48), x - int(2 * s), foot), fill=trousers)
    draw.rectangle((x + int(2 * s), foot - int(h * 0.48), x + int(14 * s), foot), fill=trousers)
    draw.rounded_rectangle(
        (x - int(22 * s), foot - int(h * 0.84), x + int(22 * s), foot - int(h * 0.44)),
        radius=int(8 * s),
        fill=cloth,
    )
    draw.rectangle((x - int(30 * s), foot - int(h * 0.80), x - int(21 * s), foot - int(h * 0.52)), fill=cloth)
    draw.rectangle((x + int(21 * s), foot - int(h * 0.80), x + int(30 * s), foot - int(h * 0.52)), fill=cloth)
    hr = int(13 * s)
    hy = foot - int(h * 0.92)
    skin = rng.choice(SKIN)
    if rng.random() < 0.4:
        veil = rng.choice(HIJAB)
        draw.polygon(
            [(x - int(24 * s), foot - int(h * 0.74)), (x + int(24 * s), foot - int(h * 0.74)), (x, hy - hr)],
            fill=veil,
        )
        draw.ellipse((x - hr - 2, hy - hr - 2, x + hr + 2, hy + hr + 2), fill=veil)
        draw.ellipse((x - hr * 2 // 3, hy - hr * 2 // 3, x + hr * 2 // 3, hy + hr * 2 // 3), fill=skin)
    else:
        draw.ellipse((x - hr, hy - hr, x + hr, hy + hr), fill=skin)
        draw.chord((x - hr, hy - hr - 1, x + hr, hy + hr // 2), 180, 360, fill=rng.choice(HAIR))


def seated_front(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int, s: float) -> None:
    """A person seated behind a table, seen from the front: the table hides everything below ``y``."""
    cloth = KHAKI if rng.random() < 0.4 else rng.choice(CLOTHES)
    draw.rounded_rectangle(
        (x - int(24 * s), y - int(62 * s), x + int(24 * s), y + int(30 * s)), radius=int(9 * s), fill=cloth
    )
    draw.rounded_rectangle(
        (x - int(32 * s), y - int(56 * s), x - int(20 * s), y - int(8 * s)),
        radius=int(5 * s),
        fill=shade(cloth, 0.85),
    )
    draw.rounded_rectangle(
        (x + int(20 * s), y - int(56 * s), x + int(32 * s), y - int(8 * s)),
        radius=int(5 * s),
        fill=shade(cloth, 0.85),
    )
    hr = int(14 * s)
    hy = y - int(80 * s)
    skin = rng.choice(SKIN)
    if rng.random() < 0.4:
        veil = rng.choice(HIJAB)
        draw.polygon(
            [(x - int(26 * s), y - int(40 * s)), (x + int(26 * s), y - int(40 * s)), (x, hy - hr)], fill=veil
        )
        draw.ellipse((x - hr - 2, hy - hr - 2, x + hr + 2, hy + hr + 2), fill=veil)
        draw.ellipse((x - hr * 2 // 3, hy - hr * 2 // 3, x + hr * 2 // 3, hy + hr * 2 // 3), fill=skin)
    else:
        draw.rectangle((x - int(6 * s), hy + hr - 4, x + int(6 * s), y - int(58 * s)), fill=skin)
        draw.ellipse((x - hr, hy - hr, x + hr, hy + hr), fill=skin)
        draw.chord((x - hr, hy - hr - 1, x + hr, hy + hr // 2), 180, 360, fill=rng.choice(HAIR))


def ceiling_lights(img: Image.Image, rng: random.Random, y: int, n: int) -> None:
    glow = Image.new("L", img.size, 0)
    g = ImageDraw.Draw(glow)
    w = img.width
    for i in range(n):
        x = int((i + 0.5) * w / n + rng.uniform(-20, 20))
        g.ellipse((x - 60, y - 14, x + 60, y + 14), fill=255)
    halo = glow.filter(ImageFilter.GaussianBlur(40))
    img.paste(Image.new("RGB", img.size, (255, 248, 228)), (0, 0), halo.point(lambda v: min(255, v * 2)))
    img.paste(Image.new("RGB", img.size, (255, 255, 245)), (0, 0), glow)


def finish(img: Image.Image, rng: random.Random, blur: float = 0.7) -> Image.Image:
    """Camera look: a little softness, fine grain, warm tint, darker corners."""
    img = img.filter(ImageFilter.GaussianBlur(blur))
    w, h = img.size
    grain = Image.frombytes("L", (w, h), rng.randbytes(w * h)).filter(ImageFilter.GaussianBlur(0.6))
    grain = grain.point(lambda v: 128 + (v - 128) // 5)
    img = Image.blend(img, Image.merge("RGB", (grain, grain, grain)), 0.10)
    img = ImageOps.autocontrast(img, cutoff=0.5)
    mask = Image.new("L", (w // 8, h // 8), 0)
    md = ImageDraw.Draw(mask)
    for i in range(40):
        t = i / 40
        md.ellipse(
            (
                int(-w / 16 + t * w / 16 * 2),
                int(-h / 16 + t * h / 16 * 2),
                int(w / 8 + w / 16 - t * w / 16 * 2),
                int(h / 8 + h / 16 - t * h / 16 * 2),
            ),
            fill=int(200 * (1 - t) ** 2),
        )
    mask = mask.resize((w, h), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(30))
    return Image.composite(Image.new("RGB", (w, h), (20, 14, 10)), img, mask)


# --------------------------------------------------------------------------- scenes


def hall(
    size: tuple[int, int],
    rng: random.Random,
    banner: Banner,
    wall: RGB = (214, 196, 168),
    screen: str | None = None,
) -> Image.Image:
    """An aula: stage with backdrop banner, ceiling lights, rows of seated participants from behind."""
    w, h = size
    img = Image.new("RGB", size)
    vertical_gradient(img, (0, 0, w, int(h * 0.62)), shade(wall, 0.78), wall)
    vertical_gradient(img, (0, int(h * 0.62), w, h), (120, 86, 60), (70, 48, 34))
    draw = ImageDraw.Draw(img)
    for i in range(-12, 13):  # floor tiles converging on the stage
        draw.line(
            [(w // 2 + i * w // 30, int(h * 0.62)), (w // 2 + i * w // 5, h)], fill=(96, 68, 48), width=2
        )
    for x in range(0, w, w // 12):  # wall panels
        draw.line([(x, int(h * 0.08)), (x, int(h * 0.62))], fill=shade(wall, 0.9), width=3)
    stage_top = int(h * 0.52)
    draw.rectangle((int(w * 0.12), stage_top, int(w * 0.88), int(h * 0.64)), fill=(92, 40, 34))
    draw.rectangle((int(w * 0.12), stage_top, int(w * 0.88), stage_top + 10), fill=(150, 110, 60))
    banner_box = (int(w * 0.17), int(h * 0.14), int(w * 0.83), int(h * 0.46))
    if screen:
        banner_box = (int(w * 0.08), int(h * 0.14), int(w * 0.58), int(h * 0.44))
        sx0, sy0, sx1, sy1 = int(w * 0.62), int(h * 0.13), int(w * 0.93), int(h * 0.44)
        draw.rectangle((sx0 - 8, sy0 - 8, sx1 + 8, sy1 + 8), fill=(40, 40, 44))
        vertical_gradient(img, (sx0, sy0, sx1, sy1), (236, 242, 250), (206, 220, 236))
        size_ = fit_size(draw, screen, int((sy1 - sy0) * 0.12), int((sx1 - sx0) * 0.9))
        centred_text(draw, (sx0 + sx1) // 2, sy0 + int((sy1 - sy0) * 0.14), screen, size_, (20, 50, 100))
        for k in range(5):  # bullet lines of the slide
            ly = sy0 + int((sy1 - sy0) * (0.42 + k * 0.1))
            draw.rectangle(
                (sx0 + 40, ly, sx0 + 40 + int((sx1 - sx0) * rng.uniform(0.35, 0.8)), ly + 10),
                fill=(110, 130, 160),
            )
    draw_banner(img, banner_box, banner)
    # a table with a cloth and speakers seated on the stage
    draw.rectangle((int(w * 0.3), int(h * 0.47), int(w * 0.7), int(h * 0.53)), fill=(230, 226, 216))
    draw.rectangle((int(w * 0.3), int(h * 0.47), int(w * 0.7), int(h * 0.48)), fill=(30, 90, 60))
    for i in range(5):
        standing(draw, rng, int(w * (0.34 + i * 0.08)), int(h * 0.53), 0.55, cloth=KHAKI if i != 2 else None)
    draw.rectangle((int(w * 0.3), int(h * 0.49), int(w * 0.7), int(h * 0.56)), fill=(236, 232, 222))
    ceiling_lights(img, rng, int(h * 0.05), 6)
    draw = ImageDraw.Draw(img)
    rows = 5
    for r in range(rows):
        t = r / (rows - 1)
        s = 0.9 + t * 1.6
        y = int(h * (0.66 + t * 0.3))
        n = int(16 - t * 8)
        for i in range(n):
            x = int((i + 0.5 + (r % 2) * 0.3) * w / n + rng.uniform(-15, 15))
            if rng.random() < 0.9:
                seated(draw, rng, x, y, s)
    return img


def meeting(size: tuple[int, int], rng: random.Random, banner: Banner, screen: str) -> Image.Image:
    """A meeting room: banner and slide at the back, participants around tables in groups."""
    w, h = size
    img = Image.new("RGB", size)
    vertical_gradient(img, (0, 0, w, int(h * 0.5)), (206, 206, 196), (232, 228, 214))
    vertical_gradient(img, (0, int(h * 0.5), w, h), (150, 140, 128), (110, 100, 90))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, int(h * 0.48), w, int(h * 0.5)), fill=(120, 90, 60))
    draw_banner(img, (int(w * 0.05), int(h * 0.1), int(w * 0.52), int(h * 0.36)), banner)
    sx0, sy0, sx1, sy1 = int(w * 0.58), int(h * 0.08), int(w * 0.95), int(h * 0.4)
    draw.rectangle((sx0 - 8, sy0 - 8, sx1 + 8, sy1 + 8), fill=(30, 30, 34))
    vertical_gradient(img, (sx0, sy0, sx1, sy1), (245, 245, 240), (220, 226, 232))
    size_ = fit_size(draw, screen, int((sy1 - sy0) * 0.12), int((sx1 - sx0) * 0.9))
    centred_text(draw, (sx0 + sx1) // 2, sy0 + 30, screen, size_, (120, 20, 24))
    for k in range(4):  # a bar chart on the slide
        bh = int((sy1 - sy0) * rng.uniform(0.2, 0.55))
        bx = sx0 + 60 + k * (sx1 - sx0 - 120) // 4
        draw.rectangle((bx, sy1 - 30 - bh, bx + (sx1 - sx0) // 7, sy1 - 30), fill=(40 + k * 40, 110, 80))
    ceiling_lights(img, rng, int(h * 0.03), 5)
    draw = ImageDraw.Draw(img)
    for g in range(3):  # round tables with people around them
        cx = int(w * (0.2 + g * 0.3))
        cy = int(h * (0.66 + (g % 2) * 0.06))
        tw, th = int(w * 0.12), int(h * 0.06)
        for k in range(5):
            a = math.pi * (1.1 + k * 0.2)
            seated_front(draw, rng, int(cx + math.cos(a) * tw * 0.95), int(cy + math.sin(a) * th * 0.3), 1.3)
        draw.ellipse((cx - tw, cy - th, cx + tw, cy + th), fill=(236, 236, 230))
        draw.ellipse((cx - tw, cy - th + 18, cx + tw, cy + th + 18), fill=(120, 20, 24))
        draw.ellipse((cx - tw, cy - th, cx + tw, cy + th), fill=(240, 240, 234))
        for k in range(3):  # papers and a laptop on the table
            px = cx - tw // 2 + k * tw // 3
            draw.polygon(
                [(px, cy - 10), (px + 50, cy - 14), (px + 60, cy + 12), (px + 8, cy + 16)],
                fill=(250, 250, 250),
            )
        draw.rectangle((cx + tw // 3, cy - 40, cx + tw // 3 + 70, cy - 4), fill=(50, 50, 56))
        for k in range(3):
            seated(draw, rng, int(cx - tw * 0.7 + k * tw * 0.7), cy + th + int(h * 0.1), 1.9)
    return img


def handover(
    size: tuple[int, int], rng: random.Random, banner: Banner, board: tuple[str, str]
) -> Image.Image:
    """A hand-over on stage: officials holding a symbolic board in front of the backdrop banner."""
    w, h = size
    img = Image.new("RGB", size)
    vertical_gradient(img, (0, 0, w, h), (70, 60, 58), (30, 26, 26))
    draw = ImageDraw.Draw(img)
    draw_banner(img, (int(w * 0.06), int(h * 0.06), int(w * 0.94), int(h * 0.5)), banner)
    vertical_gradient(img, (0, int(h * 0.72), w, h), (110, 40, 36), (70, 26, 24))
    ceiling_lights(img, rng, 0, 5)
    draw = ImageDraw.Draw(img)
    xs = [0.15, 0.27, 0.38, 0.5, 0.62, 0.73, 0.85]
    for i, x in enumerate(xs):
        standing(draw, rng, int(w * x), int(h * 0.97), 2.6, cloth=KHAKI if i in (2, 4) else None)
    bx0, by0, bx1, by1 = int(w * 0.355), int(h * 0.69), int(w * 0.645), int(h * 0.86)
    draw.rectangle((bx0 + 10, by0 + 10, bx1 + 10, by1 + 10), fill=(20, 16, 14))
    draw.rectangle((bx0, by0, bx1, by1), fill=(250, 248, 240), outline=(214, 170, 60), width=8)
    s1 = fit_size(draw, board[0], int((by1 - by0) * 0.2), int((bx1 - bx0) * 0.9))
    centred_text(draw, (bx0 + bx1) // 2, by0 + int((by1 - by0) * 0.14), board[0], s1, (120, 20, 24))
    s2 = fit_size(draw, board[1], int((by1 - by0) * 0.3), int((bx1 - bx0) * 0.9))
    centred_text(draw, (bx0 + bx1) // 2, by0 + int((by1 - by0) * 0.5), board[1], s2, (20, 20, 20))
    for x in (bx0 - 14, bx1 - 16):  # hands on the board
        draw.ellipse((x, by0 + 40, x + 30, by0 + 80), fill=SKIN[1])
    for i in range(12):  # heads of the audience and a photographer at the bottom edge
        seated(draw, rng, int((i + 0.5) * w / 12), int(h * 1.02), 2.4)
    return img


def joglo(draw: ImageDraw.ImageDraw, x0: int, x1: int, base: int, height: int) -> None:
    """A pendopo with a joglo roof: two roof tiers, pillars, a raised floor."""
    w = x1 - x0
    roof = (128, 64, 44)
    draw.rectangle((x0 - 20, base - 30, x1 + 20, base), fill=(190, 180, 160))
    for i in range(7):
        px = x0 + 40 + i * (w - 80) // 6
        draw.rectangle((px - 10, base - int(height * 0.55), px + 10, base - 30), fill=(96, 60, 36))
    draw.polygon(
        [
            (x0 - 60, base - int(height * 0.55)),
            (x1 + 60, base - int(height * 0.55)),
            (x1 - int(w * 0.18), base - int(height * 0.8)),
            (x0 + int(w * 0.18), base - int(height * 0.8)),
        ],
        fill=roof,
    )
    draw.polygon(
        [
            (x0 + int(w * 0.2), base - int(height * 0.8)),
            (x1 - int(w * 0.2), base - int(height * 0.8)),
            (x1 - int(w * 0.36), base - height),
            (x0 + int(w * 0.36), base - height),
        ],
        fill=shade(roof, 0.8),
    )
    for k in range(0, w + 120, 26):  # roof tile lines
        draw.line(
            [
                (x0 - 60 + k, base - int(height * 0.55)),
                (x0 - 60 + k * 0.7 + w * 0.15, base - int(height * 0.8)),
            ],
            fill=shade(roof, 0.7),
            width=2,
        )


def tree(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, base: int, s: float) -> None:
    draw.rectangle((x - int(8 * s), base - int(120 * s), x + int(8 * s), base), fill=(80, 58, 40))
    for _ in range(14):
        dx, dy = rng.uniform(-70, 70) * s, rng.uniform(-200, -90) * s
        r = rng.uniform(30, 55) * s
        green = mix((40, 90, 40), (90, 140, 60), rng.random())
        draw.ellipse((x + dx - r, base + dy - r, x + dx + r, base + dy + r), fill=green)


def outdoor(size: tuple[int, int], rng: random.Random, banner: Banner, stalls: bool) -> Image.Image:
    """A balai kalurahan yard: sky, southern hills, pendopo with a banner, visitors (and stalls)."""
    w, h = size
    img = Image.new("RGB", size)
    vertical_gradient(img, (0, 0, w, int(h * 0.45)), (104, 160, 214), (206, 226, 236))
    draw = ImageDraw.Draw(img)
    for _ in range(7):  # clouds
        cx, cy = rng.uniform(0, w), rng.uniform(h * 0.05, h * 0.25)
        for _ in range(6):
            r = rng.uniform(40, 90)
            ox, oy = rng.uniform(-120, 120), rng.uniform(-25, 25)
            draw.ellipse(
                (cx + ox - r * 1.6, cy + oy - r, cx + ox + r * 1.6, cy + oy + r), fill=(244, 246, 248)
            )
    pts = [(0, int(h * 0.42))]
    for i in range(21):
        pts.append((i * w // 20, int(h * (0.33 + 0.06 * math.sin(i * 0.9) + rng.uniform(-0.01, 0.01)))))
    pts.append((w, int(h * 0.45)))
    pts.append((0, int(h * 0.45)))
    draw.polygon(pts, fill=(96, 130, 110))
    vertical_gradient(img, (0, int(h * 0.45), w, h), (150, 150, 120), (122, 112, 96))
    draw = ImageDraw.Draw(img)
    for i in range(9):
        tree(draw, rng, int(i * w / 8 + rng.uniform(-40, 40)), int(h * 0.47), rng.uniform(0.9, 1.4))
    joglo(draw, int(w * 0.22), int(w * 0.78), int(h * 0.66), int(h * 0.42))
    draw_banner(img, (int(w * 0.3), int(h * 0.42), int(w * 0.7), int(h * 0.56)), banner)
    draw = ImageDraw.Draw(img)
    if stalls:
        for i in range(4):  # exhibition tents with goods
            x = int(w * (0.02 + i * 0.25))
            top = int(h * 0.6)
            draw.polygon(
                [(x, top + 60), (x + int(w * 0.11), top), (x + int(w * 0.22), top + 60)], fill=(236, 236, 240)
            )
            draw.rectangle((x + 10, top + 60, x + int(w * 0.22) - 10, top + 190), fill=(250, 250, 250))
            draw.rectangle((x + 10, top + 140, x + int(w * 0.22) - 10, top + 200), fill=(40, 90, 60))
            for k in range(8):
                gx = x + 30 + k * int(w * 0.022)
                c = rng.choice([(200, 120, 40), (160, 40, 40), (220, 190, 90), (120, 70, 40), (70, 120, 60)])
                draw.rounded_rectangle((gx, top + 108, gx + 34, top + 140), radius=6, fill=c)
    crowd = sorted(((rng.uniform(0, w), rng.uniform(0.72, 0.98)) for _ in range(26)), key=lambda p: p[1])
    for px, fy in crowd:
        standing(draw, rng, int(px), int(h * fy), 1.0 + (fy - 0.7) * 7)
    return img


def office(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """The office building: two storeys, columns, a name board, trees, a paved yard."""
    w, h = size
    img = Image.new("RGB", size)
    vertical_gradient(img, (0, 0, w, int(h * 0.6)), (96, 150, 210), (200, 222, 236))
    vertical_gradient(img, (0, int(h * 0.6), w, h), (168, 166, 158), (120, 118, 112))
    draw = ImageDraw.Draw(img)
    for i in range(12):
        tree(draw, rng, int(i * w / 11), int(h * 0.62), rng.uniform(1.2, 1.8))
    x0, x1, top, base = int(w * 0.15), int(w * 0.85), int(h * 0.22), int(h * 0.66)
    draw.polygon(
        [(x0 - 60, top), (x1 + 60, top), (x1 - 80, top - int(h * 0.1)), (x0 + 80, top - int(h * 0.1))],
        fill=(150, 70, 50),
    )
    draw.rectangle((x0, top, x1, base), fill=(236, 230, 214))
    draw.rectangle(
        (x0, top + int((base - top) * 0.48), x1, top + int((base - top) * 0.52)), fill=(200, 190, 170)
    )
    for floor in range(2):
        fy = top + 30 + floor * (base - top) // 2
        for i in range(14):
            wx = x0 + 40 + i * (x1 - x0 - 80) // 14
            draw.rectangle((wx, fy, wx + (x1 - x0) // 22, fy + (base - top) // 3), fill=(70, 90, 104))
            draw.line(
                [(wx, fy + (base - top) // 6), (wx + (x1 - x0) // 22, fy + (base - top) // 6)],
                fill=(220, 220, 210),
                width=4,
            )
    px0, px1 = int(w * 0.4), int(w * 0.6)
    draw.polygon(
        [(px0 - 40, top + 20), (px1 + 40, top + 20), ((px0 + px1) // 2, top - int(h * 0.09))],
        fill=(140, 62, 44),
    )
    draw.rectangle((px0, top + 20, px1, base), fill=(244, 240, 228))
    for i in range(4):
        cx = px0 + 20 + i * (px1 - px0 - 40) // 3
        draw.rectangle((cx - 14, top + 40, cx + 14, base), fill=(250, 250, 246))
    draw.rectangle((px0 + 60, base - int(h * 0.14), px1 - 60, base), fill=(80, 56, 40))
    sign = (int(w * 0.28), int(h * 0.69), int(w * 0.72), int(h * 0.8))
    draw.rectangle((sign[0] + 30, sign[3], sign[0] + 50, int(h * 0.86)), fill=(60, 60, 60))
    draw.rectangle((sign[2] - 50, sign[3], sign[2] - 30, int(h * 0.86)), fill=(60, 60, 60))
    draw_banner(
        img,
        sign,
        Banner(
            ("DINAS PEMBERDAYAAN MASYARAKAT DAN KALURAHAN", "PEMERINTAH KABUPATEN BANTUL"),
            colour=(30, 84, 56),
        ),
    )
    draw = ImageDraw.Draw(img)
    for i in range(5):  # parked motorbikes
        mx = int(w * (0.06 + i * 0.045))
        my = int(h * 0.9)
        draw.ellipse((mx - 30, my - 30, mx + 30, my + 30), fill=(24, 24, 24))
        draw.ellipse((mx + 70, my - 30, mx + 130, my + 30), fill=(24, 24, 24))
        draw.rounded_rectangle(
            (mx - 10, my - 80, mx + 110, my - 10),
            radius=20,
            fill=rng.choice([(160, 20, 20), (30, 30, 30), (30, 60, 140), (220, 220, 220)]),
        )
    for x in (int(w * 0.8), int(w * 0.86)):
        standing(draw, rng, x, int(h * 0.93), 1.9, cloth=KHAKI)
    return img


# --------------------------------------------------------------------------- the picture list


@dataclass(frozen=True)
class Picture:
    path: str  # relative to content/
    size: tuple[int, int]
    scene: Callable[[tuple[int, int], random.Random], Image.Image]
    gps: bool = False


def _pictures() -> list[Picture]:
    dpmk = "Dinas Pemberdayaan Masyarakat dan Kalurahan Kabupaten Bantul"
    return [
        Picture(
            "media/2025/pelatihan-bumkal-pembukaan.jpg",
            (2000, 1333),
            lambda s, r: hall(
                s,
                r,
                Banner(
                    (
                        "PELATIHAN MANAJEMEN BUMKAL",
                        "Penguatan Tata Kelola Badan Usaha Milik Kalurahan",
                        f"{dpmk} - 2025",
                    )
                ),
            ),
        ),
        Picture(
            "media/2025/pelatihan-bumkal-diskusi.jpg",
            (1800, 1200),
            lambda s, r: meeting(
                s,
                r,
                Banner(("KELAS RENCANA USAHA BUMKAL", "Angkatan I Tahun 2025"), colour=(30, 84, 56)),
                "Analisis Kelayakan Usaha",
            ),
        ),
        Picture(
            "media/2025/lomba-kalurahan-penilaian.jpg",
            (2000, 1333),
            lambda s, r: outdoor(
                s,
                r,
                Banner(("PENILAIAN LAPANGAN LOMBA KALURAHAN", "Tingkat Kabupaten Bantul Tahun 2025")),
                stalls=False,
            ),
        ),
        Picture(
            "media/2025/lomba-kalurahan-pameran.jpg",
            (1800, 1200),
            lambda s, r: outdoor(
                s,
                r,
                Banner(("GELAR PRODUK UNGGULAN KALURAHAN", "Lomba Kalurahan 2025"), colour=(30, 84, 56)),
                stalls=True,
            ),
        ),
        Picture(
            "berita/2025/musrenbang-kapanewon-sedayu.jpg",
            (1800, 1200),
            lambda s, r: hall(
                s,
                r,
                Banner(("MUSRENBANG KAPANEWON SEDAYU", "Rencana Kerja Pemerintah Daerah Tahun 2026")),
                wall=(200, 204, 196),
                screen="Usulan Prioritas Kalurahan",
            ),
        ),
        Picture(
            "media/2025/pendampingan-apbkal.jpg",
            (1800, 1200),
            lambda s, r: meeting(
                s,
                r,
                Banner(("PENDAMPINGAN PENYUSUNAN APBKAL", "Tahun Anggaran 2026")),
                "Struktur APB Kalurahan",
            ),
        ),
        Picture("media/2025/kantor-dinas.jpg", (2200, 1300), office),
        Picture(
            "media/2026/pembinaan-kader-posyandu.jpg",
            (2000, 1333),
            lambda s, r: hall(
                s,
                r,
                Banner(
                    ("PEMBINAAN KADER POSYANDU", "Kalurahan Sehat, Keluarga Berdaya", f"{dpmk} - 2026"),
                    colour=(20, 92, 110),
                ),
                wall=(226, 214, 200),
            ),
            gps=True,
        ),
        Picture(
            "media/2026/kader-posyandu-praktik.jpg",
            (1800, 1200),
            lambda s, r: meeting(
                s,
                r,
                Banner(
                    ("PRAKTIK PENCATATAN POSYANDU", "Kartu Menuju Sehat dan Aplikasi"), colour=(20, 92, 110)
                ),
                "Pencatatan Tumbuh Kembang",
            ),
        ),
        Picture(
            "media/2026/penyaluran-bkk-tahap-i.jpg",
            (2000, 1333),
            lambda s, r: handover(
                s,
                r,
                Banner(
                    (
                        "PENYERAHAN BANTUAN KEUANGAN KHUSUS",
                        "Kepada Pemerintah Kalurahan se-Kabupaten Bantul",
                        "Tahap I Tahun Anggaran 2026",
                    )
                ),
                ("BANTUAN KEUANGAN KHUSUS KALURAHAN", "Rp 18.750.000.000"),
            ),
        ),
    ]


def _rational(value: float) -> float:
    return float(round(value, 4))


def gps_exif(lat: float, lon: float) -> Image.Exif:
    """EXIF with an invented position and Orientation 6 (the stored pixels need turning right)."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x010F] = "Warta Contoh"  # Make
    exif[0x0110] = "Kamera Dokumentasi"  # Model
    exif[0x0132] = "2026:03:10 09:41:00"  # DateTime
    gps = exif.get_ifd(0x8825)

    def dms(v: float) -> tuple[float, float, float]:
        v = abs(v)
        d = int(v)
        m = int((v - d) * 60)
        return (float(d), float(m), _rational((v - d - m / 60) * 3600))

    gps[0x0000] = b"\x02\x03\x00\x00"  # GPSVersionID
    gps[0x0001] = "S" if lat < 0 else "N"
    gps[0x0002] = dms(lat)
    gps[0x0003] = "W" if lon < 0 else "E"
    gps[0x0004] = dms(lon)
    return exif


def save_jpeg(img: Image.Image, path: Path, exif: Image.Exif | None = None) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, object] = {"quality": QUALITY, "optimize": True, "progressive": False}
    if exif is not None:
        kwargs["exif"] = exif.tobytes()
    img.save(path, "JPEG", **kwargs)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{path}: {size} bytes, more than {MAX_BYTES}")
    return size


def make_pictures(content: Path) -> list[Path]:
    made: list[Path] = []
    for i, pic in enumerate(_pictures()):
        rng = random.Random(SEED + i)
        img = finish(pic.scene(pic.size, rng), rng)
        target = content / pic.path
        if pic.gps:
            # A phone held upright stores the sensor's landscape pixels and says "turn right" (6).
            stored = img.transpose(Image.Transpose.ROTATE_90)
            save_jpeg(stored, target, gps_exif(-7.8903, 110.3307))
            with Image.open(target) as check:
                upright = ImageOps.exif_transpose(check)
                assert upright.size == img.size, (upright.size, img.size)
        else:
            save_jpeg(img, target)
        made.append(target)
    return made


# --------------------------------------------------------------------------- the PDF attachment


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(path: Path, title: str, lines: list[str]) -> None:
    """A one-page A4 PDF 1.4 in Helvetica, written by hand: objects, xref table, trailer."""
    stream_lines = ["BT", "/F1 16 Tf", "56 780 Td", f"({_pdf_escape(title)}) Tj", "/F1 11 Tf", "0 -30 Td"]
    for line in lines:
        stream_lines += [f"({_pdf_escape(line)}) Tj", "0 -17 Td"]
    stream_lines.append("ET")
    stream = "\n".join(stream_lines).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title (" + _pdf_escape(title).encode("latin-1") + b") /Producer (warta make_example_photos) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out))


LKJIP_LINES = [
    "Dinas Pemberdayaan Masyarakat dan Kalurahan Kabupaten Bantul",
    "Ringkasan Laporan Kinerja Instansi Pemerintah (LKjIP) Tahun 2025",
    "",
    "CONTOH DOKUMEN - seluruh angka dalam dokumen ini rekaan untuk situs contoh warta.",
    "",
    "Sasaran 1: Meningkatnya kapasitas tata kelola pemerintahan kalurahan",
    "   Indikator: persentase kalurahan dengan APBKal tepat waktu   target 100%   realisasi 97,3%",
    "Sasaran 2: Meningkatnya kemandirian ekonomi kalurahan",
    "   Indikator: jumlah BUMKal berklasifikasi maju                target 20     realisasi 22",
    "Sasaran 3: Meningkatnya partisipasi lembaga kemasyarakatan kalurahan",
    "   Indikator: persentase posyandu aktif                         target 90%    realisasi 91,8%",
    "",
    "Realisasi anggaran dinas tahun 2025: 94,6 persen dari pagu.",
    "Dokumen lengkap tersedia di Sekretariat Dinas dan dapat dimohonkan melalui PPID Pembantu.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "content",
        help="content folder to write into (default: the repository's content/)",
    )
    args = parser.parse_args(argv)
    content: Path = args.out
    for path in make_pictures(content):
        print(f"{path.relative_to(content)}  {path.stat().st_size // 1024} KB")
    pdf = content / "media/2026/ringkasan-lkjip-2025.pdf"
    make_pdf(pdf, "Ringkasan LKjIP Tahun 2025", LKJIP_LINES)
    print(f"{pdf.relative_to(content)}  {pdf.stat().st_size} B")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
