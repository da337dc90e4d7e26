"""What trainers and analysts see: display helpers, figures, widgets, the quiz, the scenario bank
and the publication's sections."""
