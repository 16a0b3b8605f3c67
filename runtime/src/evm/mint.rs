//! An image-minting contract in the spirit of an AIGC NFT: `mint` accepts
//! a picture only with a proof that the committed model drew it.

use super::verifier::{verifier_interface, VERIFIER};
use crate::commit::Packing;
use crate::graph::{GraphError, Model};

/// The minting contract's name.
pub const MINT: &str = "Section9Mint";

/// How a generator's picture sits in the public values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Picture {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// Bits per pixel in a packed word, and pixels per word.
    pub bits: u32,
    pub per_word: usize,
    /// The largest pixel value (shown as 255).
    pub max: i128,
}

impl Picture {
    /// The picture of a model whose first output is a packed `[1, c, h, w]`
    /// tensor of pixels in `[0, max]`, `c` being 1 (grey) or 3 (RGB).
    pub fn of(model: &Model) -> Result<Picture, GraphError> {
        let node = model
            .outputs
            .first()
            .map(|&o| &model.nodes[o])
            .ok_or_else(|| GraphError::Format("the model has no output".into()))?;
        let not = |why: &str| GraphError::node(&node.name, format!("is not a packed picture: {why}"));
        let [1, c @ (1 | 3), h, w] = node.shape[..] else {
            return Err(not("its shape is not [1, 1 or 3, h, w]"));
        };
        if !model.pack_outputs || node.bound.lo != 0 || node.bound.hi <= 0 {
            return Err(not("pixels must be packed and within [0, max]"));
        }
        let packing = Packing::new(node.bound).map_err(GraphError::op(&node.name))?;
        Ok(Picture {
            channels: c,
            height: h,
            width: w,
            bits: packing.width,
            per_word: packing.per_element,
            max: node.bound.hi,
        })
    }
}

/// Solidity source of the minting contract for a verifier of `public`
/// inputs: the packed picture first, the model commitment last (the
/// public order of a model with packed outputs and committed weights).
/// `pictureBMP(id)` renders a token as a BMP data URI, and `tokenURI(id)`
/// gives ERC-721 metadata for it: a `data:application/json;base64,` URI of
/// `{"name": "<contract> #<id>", "image": <the BMP data URI>}`.
///
/// The picture is stored SSTORE2-style, as the code of a small contract
/// (200 gas per byte deposited, 6,400 per 32-byte word) rather than in
/// storage words (22,100 gas per new word): about a third of the price.
pub fn mint_contract(public: usize, picture: Picture) -> String {
    let mut s = verifier_interface(public);
    s.push_str(
        &MINT_BODY
            .replace("__N__", &public.to_string())
            .replace("__WORDS__", &public.saturating_sub(1).to_string())
            .replace("__VERIFIER__", VERIFIER)
            .replace("__MINT__", MINT)
            .replace("__CHANNELS__", &picture.channels.to_string())
            .replace("__HEIGHT__", &picture.height.to_string())
            .replace("__WIDTH__", &picture.width.to_string())
            .replace("__BITS__", &picture.bits.to_string())
            .replace("__PER_WORD__", &picture.per_word.to_string())
            .replace("__HALF__", &(picture.max / 2).to_string())
            .replace("__MAX__", &picture.max.to_string()),
    );
    s
}

const MINT_BODY: &str = r#"/// Mints pictures drawn by one committed model: each token's picture is a
/// proof's packed public outputs, kept as contract code (SSTORE2).
contract __MINT__ {
    I__VERIFIER__ public immutable verifier;
    /// The model's weight commitment: proofs of other models are refused.
    uint256 public immutable commitment;
    uint256 public constant IMAGE_WORDS = __WORDS__;
    uint256 public minted;
    mapping(uint256 => address) public ownerOf;
    mapping(uint256 => address) internal pictures;

    event Minted(uint256 indexed id, address indexed owner, address picture);

    constructor(I__VERIFIER__ verifier_, uint256 commitment_) {
        verifier = verifier_;
        commitment = commitment_;
    }

    /// Verifies the proof and stores its picture; returns the token id.
    function mint(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[__N__] calldata input
    ) external returns (uint256 id) {
        require(input[__WORDS__] == commitment, "proof of another model");
        require(verifier.verifyProof(a, b, c, input), "invalid proof");
        bytes memory code = new bytes(1 + 32 * __WORDS__);
        assembly {
            calldatacopy(add(code, 0x21), input, mul(__WORDS__, 0x20))
        }
        // Init code: PUSH4 len, DUP1, PUSH1 14, PUSH1 0, CODECOPY, PUSH1 0,
        // RETURN, then the code itself (a leading STOP keeps it inert).
        bytes memory init = abi.encodePacked(hex"63", uint32(code.length), hex"80600e6000396000f3", code);
        address picture;
        assembly {
            picture := create(0, add(init, 0x20), mload(init))
        }
        require(picture != address(0), "storing the picture failed");
        id = ++minted;
        ownerOf[id] = msg.sender;
        pictures[id] = picture;
        emit Minted(id, msg.sender, picture);
    }

    /// The packed picture of token `id`: pixel `i` (channel, row, column
    /// order) is bits `[b i, b (i + 1))` of word `i / n`, `n` per word.
    function picture(uint256 id) public view returns (uint256[__WORDS__] memory words) {
        address at = pictures[id];
        require(at != address(0), "no such token");
        assembly {
            extcodecopy(at, words, 1, mul(__WORDS__, 0x20))
        }
    }

    /// Token `id`'s picture as a `data:image/bmp;base64,` URI (24-bit,
    /// rows bottom-up as BMP stores them).
    function pictureBMP(uint256 id) public view returns (string memory) {
        uint256[__WORDS__] memory words = picture(id);
        uint256 rowBytes = (__WIDTH__ * 3 + 3) & ~uint256(3);
        bytes memory bmp = new bytes(54 + rowBytes * __HEIGHT__);
        bmp[0] = "B";
        bmp[1] = "M";
        putU32(bmp, 2, bmp.length);
        putU32(bmp, 10, 54);
        putU32(bmp, 14, 40);
        putU32(bmp, 18, __WIDTH__);
        putU32(bmp, 22, __HEIGHT__);
        bmp[26] = 0x01;
        bmp[28] = 0x18;
        putU32(bmp, 34, rowBytes * __HEIGHT__);
        for (uint256 y = 0; y < __HEIGHT__; y++) {
            uint256 row = 54 + (__HEIGHT__ - 1 - y) * rowBytes;
            for (uint256 x = 0; x < __WIDTH__; x++) {
                // BMP keeps blue, green, red; a grey picture has one channel.
                for (uint256 k = 0; k < 3; k++) {
                    uint256 ch = __CHANNELS__ == 1 ? 0 : 2 - k;
                    uint256 i = (ch * __HEIGHT__ + y) * __WIDTH__ + x;
                    uint256 v = (words[i / __PER_WORD__] >> (__BITS__ * (i % __PER_WORD__))) & ((1 << __BITS__) - 1);
                    bmp[row + x * 3 + k] = bytes1(uint8((v * 255 + __HALF__) / __MAX__));
                }
            }
        }
        return string(abi.encodePacked("data:image/bmp;base64,", base64(bmp)));
    }

    /// ERC-721 metadata of token `id`: a JSON data URI naming it and
    /// holding its picture.
    function tokenURI(uint256 id) external view returns (string memory) {
        bytes memory json = abi.encodePacked('{"name":"__MINT__ #', decimal(id), '","image":"', pictureBMP(id), '"}');
        return string(abi.encodePacked("data:application/json;base64,", base64(json)));
    }

    /// `v` in decimal digits.
    function decimal(uint256 v) internal pure returns (bytes memory out) {
        uint256 digits = 1;
        for (uint256 t = v; t >= 10; t /= 10) {
            digits++;
        }
        out = new bytes(digits);
        for (uint256 i = digits; i > 0; i--) {
            out[i - 1] = bytes1(uint8(48 + (v % 10)));
            v /= 10;
        }
    }

    function putU32(bytes memory b, uint256 at, uint256 v) internal pure {
        for (uint256 i = 0; i < 4; i++) {
            b[at + i] = bytes1(uint8(v >> (8 * i)));
        }
    }

    function base64(bytes memory data) internal pure returns (string memory) {
        bytes memory table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        bytes memory out = new bytes(4 * ((data.length + 2) / 3));
        uint256 o = 0;
        for (uint256 i = 0; i < data.length; i += 3) {
            uint256 n = uint256(uint8(data[i])) << 16;
            if (i + 1 < data.length) n |= uint256(uint8(data[i + 1])) << 8;
            if (i + 2 < data.length) n |= uint256(uint8(data[i + 2]));
            out[o] = table[(n >> 18) & 63];
            out[o + 1] = table[(n >> 12) & 63];
            out[o + 2] = i + 1 < data.length ? table[(n >> 6) & 63] : bytes1("=");
            out[o + 3] = i + 2 < data.length ? table[n & 63] : bytes1("=");
            o += 4;
        }
        return string(out);
    }
}
"#;
