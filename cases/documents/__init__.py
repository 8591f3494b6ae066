"""The mediation paperwork (issue 15): which documents a case has (``registry``), what
each shows (``context``), and the HTML-to-PDF step (``pdf``). The one door that prints
is ``cases.services.documents``; it checks, numbers and logs before anything renders."""
