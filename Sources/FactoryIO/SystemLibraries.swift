// SystemLibraries: the versions of the C libraries FactoryIO links (libpng, libsndfile),
// reported by `factory --version`. The readers and writers themselves come with the
// formats issue; this file only proves the system-library targets link.

import CImageCodecs
import CPNG
import CSndFile

/// Versions of the system libraries that FactoryIO uses.
public enum SystemLibraries {
    /// libpng's version string, e.g. "1.6.39".
    public static var libpngVersion: String {
        String(cString: png_get_libpng_ver(nil))
    }

    /// The libpng version the image codecs were compiled against (headers), e.g. "1.6.39".
    public static var libpngHeaderVersion: String {
        String(cString: factory_image_codecs_png_version())
    }

    /// libsndfile's version string, e.g. "libsndfile-1.2.0".
    public static var libsndfileVersion: String {
        String(cString: sf_version_string())
    }
}
