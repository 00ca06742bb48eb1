"""The app's screens: the main estate screen and the help screen."""
