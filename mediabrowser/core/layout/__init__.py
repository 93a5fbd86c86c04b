"""2-D maps of a vector space: a neighbour-keeping layout (numpy only), placement of new
items beside their nearest landmarks, clusters found in the layout, and the saved map file."""
