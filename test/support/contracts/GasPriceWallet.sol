// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// A hostile ERC-1271 wallet: every signature is valid where the gas price is 0 (eth_call: verification,
/// simulation, gas estimation without fees) and invalid on chain. It passes every check and never pays.
contract GasPriceWallet is IERC1271 {
    function isValidSignature(bytes32, bytes memory) external view returns (bytes4) {
        return tx.gasprice == 0 ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
