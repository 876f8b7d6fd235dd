// Keeps the models object library non-empty while domains land.
namespace joule::models {}
