"""Is b a copy of a? A second look at the pixels or the sound of two files a model scores alike
(pixels.py, pictures.py, sounds.py), and one door to it for the duplicates and the search
results (check.py), so that "same" means a verified copy everywhere."""
