#!/usr/bin/python3
# Writes the tiny PNG / JPEG fixtures of tests/data_sets/image_folder_test.cpp (run from this folder).
import os
from PIL import Image

def save(path, image, **kw):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image.save(path, **kw)

# folder/: two classes, sorted "circle" < "square"; pixel values the test checks exactly (PNG).
rgb = Image.new("RGB", (4, 2))
rgb.putdata([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255),
             (0, 0, 0), (10, 20, 30), (128, 128, 128), (200, 100, 50)])
save("folder/square/b_rgb.png", rgb)
grey = Image.new("L", (4, 2))
grey.putdata([0, 51, 102, 153, 204, 255, 0, 255])
save("folder/square/a_grey.png", grey)
rgba = Image.new("RGBA", (4, 2), (30, 60, 90, 0))  # transparent: alpha is dropped
save("folder/circle/c_rgba.PNG", rgba)
save("folder/circle/d_solid.jpg", Image.new("RGB", (8, 8), (200, 40, 90)), quality=95)
save("folder/circle/e_solid.jpeg", Image.new("L", (16, 8), 77), quality=95)
with open("folder/square/notes.txt", "w") as f:  # not an image: skipped
    f.write("not an image\n")

# corrupt/: a .png that is not one, beside a good image.
save("corrupt/things/good.png", grey)
with open("corrupt/things/broken.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)

# empty_class/: a class folder without images.
save("empty_class/full/a.png", grey)
os.makedirs("empty_class/hollow", exist_ok=True)
with open("empty_class/hollow/readme.txt", "w") as f:
    f.write("no images here\n")
