// Checks that FactoryIO links the system libpng and libsndfile it was built against.

import FactoryIO
import Testing

@Test func libpngIsVersion16() {
    #expect(SystemLibraries.libpngVersion.hasPrefix("1.6."))
}

@Test func libsndfileReportsItsVersion() {
    #expect(SystemLibraries.libsndfileVersion.hasPrefix("libsndfile-1."))
}

@Test func imageCodecsWereCompiledAgainstTheLinkedLibpng() {
    #expect(SystemLibraries.libpngHeaderVersion == SystemLibraries.libpngVersion)
}
