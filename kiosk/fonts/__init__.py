"""The CJK font: finding one that draws rare name characters (cjk), and cutting it into the
small web font and slices the Flet client loads (web). Cards, the poster and the screens use it."""
