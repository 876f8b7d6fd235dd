namespace joule::app { int placeholder_symbol = 0; }
